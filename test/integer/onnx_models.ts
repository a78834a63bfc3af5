/**
 * Single-op ONNX models built in memory with onnx-proto, for checking the integer kernels against onnxruntime-node
 * and for the benchmark. Tensors are NCHW on the ONNX side; these helpers also transpose between NHWC and NCHW.
 */
import { onnx } from 'onnx-proto';

type Dtype = 'int8' | 'uint8' | 'int32' | 'float';
const DATA_TYPE: Record<Dtype, number> = {
  int8: onnx.TensorProto.DataType.INT8, uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32, float: onnx.TensorProto.DataType.FLOAT,
};

/** An initializer tensor from a typed array. */
export function tensor(name: string, dtype: Dtype, dims: number[], data: ArrayLike<number>): onnx.ITensorProto {
  let raw: Uint8Array;
  if (dtype === 'float') raw = new Uint8Array(Float32Array.from(data).buffer);
  else if (dtype === 'int32') raw = new Uint8Array(Int32Array.from(data).buffer);
  else if (dtype === 'int8') raw = new Uint8Array(Int8Array.from(data).buffer);
  else raw = Uint8Array.from(data);
  return { name, dataType: DATA_TYPE[dtype], dims, rawData: raw };
}

function valueInfo(name: string, dtype: Dtype, dims: number[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DATA_TYPE[dtype], shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  };
}

/** An attribute: ints (array) or int (number). */
function attr(name: string, value: number | number[]): onnx.IAttributeProto {
  return Array.isArray(value)
    ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }
    : { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export interface ModelSpec {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  inputs: Array<[string, Dtype, number[]]>;
  outputs: Array<[string, Dtype, number[]]>;
  /** Extra opset imports, e.g. com.microsoft. */
  domains?: string[];
}

/** Serialises a one-graph model (opset 19 for the default domain). */
export function buildModel(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'quantscope-tests',
    opsetImport: [{ domain: '', version: 19 }, ...(spec.domains ?? []).map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: 'g',
      node: spec.nodes,
      initializer: spec.initializers,
      input: spec.inputs.map(([n, t, d]) => valueInfo(n, t, d)),
      output: spec.outputs.map(([n, t, d]) => valueInfo(n, t, d)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[]> = {},
  domain = ''): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, domain, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) };
}

/** NHWC → NCHW. */
export function toNchw<T extends Int8Array | Uint8Array | Float32Array>(x: T, shape: number[]): T {
  const [n, h, w, c] = shape;
  const out = new (x.constructor as new (len: number) => T)(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
    out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
  }
  return out;
}

/** NCHW → NHWC, for a shape given as NHWC. */
export function toNhwc<T extends Int8Array | Uint8Array | Float32Array>(x: T, shape: number[]): T {
  const [n, h, w, c] = shape;
  const out = new (x.constructor as new (len: number) => T)(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
    out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx];
  }
  return out;
}

/** TF.js conv filter [kh, kw, inC/group, outC] → ONNX [outC, inC/group, kh, kw]. */
export function filterToOihw(w: Int8Array, shape: number[]): Int8Array {
  const [kh, kw, ci, co] = shape;
  const out = new Int8Array(w.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + y) * kw + x] = w[((y * kw + x) * ci + i) * co + o];
  }
  return out;
}

export interface QLinearConvSpec {
  /** NHWC input shape. */
  inputShape: number[];
  inputType: 'int8' | 'uint8';
  xScale: number;
  xZeroPoint: number;
  /** TF.js-layout filter [kh, kw, inC/group, outC] and its per-channel scales. */
  filter: Int8Array;
  filterShape: number[];
  wScales: Float32Array;
  yScale: number;
  yZeroPoint: number;
  bias?: Int32Array;
  group: number;
  strides: [number, number];
  dilations: [number, number];
  /** [[top, bottom], [left, right]] */
  pads: [[number, number], [number, number]];
  outShape: number[];
}

/** A QLinearConv model (x NCHW → y NCHW) with per-channel int8 weights. */
export function qlinearConvModel(s: QLinearConvSpec): Uint8Array {
  const [n, h, w, c] = s.inputShape;
  const [kh, kw, ci, co] = s.filterShape;
  const [, oh, ow] = s.outShape;
  const t = s.inputType;
  const inputs = ['x', 'x_scale', 'x_zp', 'w', 'w_scale', 'w_zp', 'y_scale', 'y_zp'];
  if (s.bias) inputs.push('b');
  const initializers = [
    tensor('x_scale', 'float', [], [s.xScale]), tensor('x_zp', t, [], [s.xZeroPoint]),
    tensor('w', 'int8', [co, ci, kh, kw], filterToOihw(s.filter, s.filterShape)),
    tensor('w_scale', 'float', [co], s.wScales), tensor('w_zp', 'int8', [co], new Int8Array(co)),
    tensor('y_scale', 'float', [], [s.yScale]), tensor('y_zp', t, [], [s.yZeroPoint]),
  ];
  if (s.bias) initializers.push(tensor('b', 'int32', [co], s.bias));
  return buildModel({
    nodes: [node('QLinearConv', inputs, ['y'], {
      group: s.group, strides: s.strides, dilations: s.dilations, kernel_shape: [kh, kw],
      pads: [s.pads[0][0], s.pads[1][0], s.pads[0][1], s.pads[1][1]],
    })],
    initializers,
    inputs: [['x', t, [n, c, h, w]]],
    outputs: [['y', t, [n, co, oh, ow]]],
  });
}

/** The same convolution as a QDQ model: float x → Q → DQ, DQ(w per channel), DQ(bias) → Conv → Q → y (codes). */
export function qdqConvModel(s: QLinearConvSpec): Uint8Array {
  const [n, h, w, c] = s.inputShape;
  const [kh, kw, ci, co] = s.filterShape;
  const [, oh, ow] = s.outShape;
  const t = s.inputType;
  const biasScale = Float32Array.from(s.wScales, (ws) => Math.fround(Math.fround(s.xScale) * ws));
  const nodes = [
    node('DequantizeLinear', ['x', 'x_scale', 'x_zp'], ['xf']),
    node('DequantizeLinear', ['w', 'w_scale', 'w_zp'], ['wf'], { axis: 0 }),
    node('Conv', s.bias ? ['xf', 'wf', 'bf'] : ['xf', 'wf'], ['yf'], {
      group: s.group, strides: s.strides, dilations: s.dilations, kernel_shape: [kh, kw],
      pads: [s.pads[0][0], s.pads[1][0], s.pads[0][1], s.pads[1][1]],
    }),
    node('QuantizeLinear', ['yf', 'y_scale', 'y_zp'], ['y']),
  ];
  const initializers = [
    tensor('x_scale', 'float', [], [s.xScale]), tensor('x_zp', t, [], [s.xZeroPoint]),
    tensor('w', 'int8', [co, ci, kh, kw], filterToOihw(s.filter, s.filterShape)),
    tensor('w_scale', 'float', [co], s.wScales), tensor('w_zp', 'int8', [co], new Int8Array(co)),
    tensor('y_scale', 'float', [], [s.yScale]), tensor('y_zp', t, [], [s.yZeroPoint]),
  ];
  if (s.bias) {
    nodes.unshift(node('DequantizeLinear', ['b', 'b_scale', 'b_zp'], ['bf'], { axis: 0 }));
    initializers.push(tensor('b', 'int32', [co], s.bias), tensor('b_scale', 'float', [co], biasScale),
      tensor('b_zp', 'int32', [co], new Int32Array(co)));
  }
  return buildModel({ nodes, initializers, inputs: [['x', t, [n, c, h, w]]], outputs: [['y', t, [n, co, oh, ow]]] });
}
