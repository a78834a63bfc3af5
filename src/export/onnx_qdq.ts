import type { onnx } from 'onnx-proto';
import type { Graph, GraphNode, Op } from '../graph/ir';
import type { TensorQParams } from '../qparams';
import type { QuantPlan } from '../quant/plan';
import { activationParamsLookup, onGridLookup, precisionLookup, quantizeLayerBias, quantizeLayerWeight, RANGE_PRESERVING, type QuantizedWeight } from '../quant/plan_params';
import { writeFileAtomic } from './atomic_write';
import { encodeOnnxModel, onnxNode, onnxTensor, onnxValueInfo, type AttributeValue, type OnnxDtype } from './onnx_builder';

/** An IR tensor in the exported ONNX graph; `image` marks a logical NHWC tensor stored NCHW, as ONNX expects. */
interface Placed {
  readonly name: string;
  readonly image: boolean;
}

/**
 * Exports the quantized model as ONNX in the QDQ format (opset 14), the form ONNX Runtime consumes:
 * int8 weights with per-channel (or per-tensor) DequantizeLinear, int32 biases at input scale x weight scale,
 * QuantizeLinear/DequantizeLinear pairs on every int8 activation (as uint8 codes shifted by 128, ORT's U8S8
 * format: see qdq), float ops in between, so a runtime fuses each DQ -> Conv -> Q into its integer kernel. Images
 * become NCHW (weights transposed back to [O, I, kh, kw]). Layers in 'float' precision export as float; int16 and
 * fp16 layers are not exportable yet and throw, naming the layer. The grids and codes are the plan's (activation
 * codes + 128), exactly as the fake-quant executor uses them.
 */
export function exportQdqOnnx(graph: Graph, plan: QuantPlan): Uint8Array {
  if (plan.weightSymmetric === false) throw new Error(`exportQdqOnnx: the plan has asymmetric weights; TFLite's and ONNX Runtime's int8 kernels take symmetric weights, export a plan with weightSymmetric true`);
  if ((plan.weightBits ?? 8) !== 8) throw new Error(`exportQdqOnnx: the plan has ${plan.weightBits}-bit weights; QDQ export writes int8 weights only`);
  return new QdqExporter(graph, plan).build();
}

/** {@link exportQdqOnnx} written atomically to `file`. */
export function writeQdqOnnx(file: string, graph: Graph, plan: QuantPlan): void {
  writeFileAtomic(file, exportQdqOnnx(graph, plan));
}

class QdqExporter {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly placed = new Map<string, Placed>();
  private readonly quantizedViews = new Map<string, string>();
  private readonly precisionOf;
  private readonly activationParams;
  private readonly onGrid;
  private counter = 0;

  constructor(private readonly graph: Graph, private readonly plan: QuantPlan) {
    this.precisionOf = precisionLookup(graph, plan, 'exportQdqOnnx');
    this.activationParams = activationParamsLookup(graph, plan, 'exportQdqOnnx');
    this.onGrid = onGridLookup(graph, this.precisionOf);
  }

  build(): Uint8Array {
    const g = this.graph;
    const inputs = g.inputs.map((i) => {
      const image = i.shape.length === 4;
      this.placed.set(i.name, { name: i.name, image });
      return onnxValueInfo(i.name, image ? [null, i.shape[3], i.shape[1], i.shape[2]] : i.shape);
    });
    for (const node of g.nodes) this.emit(node);
    const outputs = g.outputs.map((name, k) => {
      const t = this.placed.get(name)!;
      const out = `output${g.outputs.length > 1 ? k : ''}`;
      this.nodes.push(onnxNode(t.image ? 'Transpose' : 'Identity', `${name}/output`, [t.name], [out], t.image ? { perm: [0, 2, 3, 1] } : {}));
      return onnxValueInfo(out, []);
    });
    // The output shapes are left to the runtime's inference: one symbolic batch and unknown features are fine.
    outputs.forEach((o) => { if (o.type?.tensorType?.shape) o.type.tensorType.shape = undefined; });
    return encodeOnnxModel({ name: g.name, node: this.nodes, initializer: this.initializers, input: inputs, output: outputs }, 14);
  }

  private emit(node: GraphNode): void {
    const precision = this.precisionOf(node);
    if (precision === 'int16' || precision === 'fp16') {
      throw new Error(`exportQdqOnnx: layer '${node.name}' is in ${precision}; only int8 and float layers export to QDQ ONNX so far`);
    }
    const int8 = precision === 'int8';
    const inputs = node.inputs.map((name) => this.read(name, int8));
    const out = this.compute(node, node.op, inputs, int8);
    const quantizeOutput = int8 && !RANGE_PRESERVING.has(node.op.kind);
    this.placed.set(node.name, quantizeOutput ? { name: this.qdq(out.name, this.activationParams(node.name, 'int8')), image: out.image } : out);
  }

  /** The tensor a consumer reads: int8 consumers read a quantized view of float-produced tensors. */
  private read(name: string, int8: boolean): Placed {
    const t = this.placed.get(name);
    if (!t) throw new Error(`exportQdqOnnx: tensor '${name}' is read before it is produced`);
    if (!int8) return t;
    let view = this.quantizedViews.get(name);
    if (view === undefined) {
      view = this.onGrid(name, 'int8') ? t.name : this.qdq(t.name, this.activationParams(name, 'int8'));
      this.quantizedViews.set(name, view);
    }
    return { name: view, image: t.image };
  }

  private compute(node: GraphNode, op: Op, inputs: Placed[], int8: boolean): Placed {
    const x = inputs[0];
    const id = node.name;
    switch (op.kind) {
      case 'conv2d':
      case 'depthwiseConv2d': {
        const [kh, kw, cin, cout] = op.filter.shape;
        const depthwise = op.kind === 'depthwiseConv2d';
        const outChannels = depthwise ? cin * cout : cout;
        const oihw = new Float64Array(op.filter.data.length);
        const qw = int8 ? quantizeLayerWeight(node, op.filter, this.plan) : null;
        const source = qw?.codes ?? op.filter.data;
        // [kh, kw, in, out] -> [out, in, kh, kw]; depthwise [kh, kw, C, m] -> [C * m, 1, kh, kw].
        const inPerGroup = depthwise ? 1 : cin;
        for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
          const from = ((y * kw + xx) * cin + i) * cout + o;
          const oc = depthwise ? i * cout + o : o;
          const ic = depthwise ? 0 : i;
          oihw[((oc * inPerGroup + ic) * kh + y) * kw + xx] = source[from];
        }
        const w = this.weight(`${id}/weight`, oihw, [outChannels, inPerGroup, kh, kw], 0, qw);
        const b = op.bias ? this.bias(node, `${id}/bias`, op.bias.data, qw) : null;
        const attrs: Record<string, AttributeValue> = { kernel_shape: [kh, kw], strides: [...op.strides], dilations: [...op.dilations], group: depthwise ? cin : 1 };
        if (op.padding === 'same') attrs.auto_pad = 'SAME_UPPER';
        else if (op.padding !== 'valid') attrs.pads = [op.padding[0][0], op.padding[1][0], op.padding[0][1], op.padding[1][1]];
        const y = this.op('Conv', id, [x.name, w, ...(b ? [b] : [])], attrs);
        return { name: this.activation(id, y, op.activation, true), image: true };
      }
      case 'dense': {
        if (x.image) throw new Error(`exportQdqOnnx: dense layer '${id}' reads a 4-D tensor; flatten it first`);
        const [inDim, outDim] = op.kernel.shape;
        const qw = int8 ? quantizeLayerWeight(node, op.kernel, this.plan) : null;
        const w = this.weight(`${id}/weight`, qw?.codes ?? op.kernel.data, [inDim, outDim], 1, qw);
        const b = op.bias ? this.bias(node, `${id}/bias`, op.bias.data, qw) : null;
        const y = this.op('Gemm', id, [x.name, w, ...(b ? [b] : [])]);
        return { name: this.activation(id, y, op.activation, false), image: false };
      }
      case 'batchNorm': {
        if (int8) throw new Error(`exportQdqOnnx: batch norm '${id}' was not folded; fold batch norms before exporting an int8 model`);
        const params = [op.gamma, op.beta, op.mean, op.variance].map((w, k) => this.constant(`${id}/${['scale', 'bias', 'mean', 'var'][k]}`, 'float', w.shape, w.data));
        return { name: this.op('BatchNormalization', id, [x.name, ...params], { epsilon: { float: op.epsilon } }), image: x.image };
      }
      case 'activation':
        return { name: this.activation(id, x.name, op.fn, x.image), image: x.image };
      case 'add':
      case 'mul':
        return { name: inputs.slice(1).reduce((acc, b, k) => this.op(op.kind === 'add' ? 'Add' : 'Mul', k === inputs.length - 2 ? id : `${id}/${k}`, [acc, b.name]), x.name), image: x.image };
      case 'concat': {
        const rank = x.image ? 4 : 2;
        const axis = op.axis < 0 ? op.axis + rank : op.axis;
        return { name: this.op('Concat', id, inputs.map((i) => i.name), { axis: x.image ? [0, 2, 3, 1][axis] : axis }), image: x.image };
      }
      case 'pad': {
        const [[t, b], [l, r]] = op.paddings;
        const pads = this.constant(`${id}/pads`, 'int64', [8], [0, 0, t, l, 0, 0, b, r]);
        return { name: this.op('Pad', id, [x.name, pads]), image: true };
      }
      case 'maxPool':
      case 'avgPool':
        return { name: this.op(op.kind === 'maxPool' ? 'MaxPool' : 'AveragePool', id, [x.name], { kernel_shape: [...op.poolSize], strides: [...op.strides], auto_pad: op.padding === 'same' ? 'SAME_UPPER' : 'VALID' }), image: true };
      case 'globalAvgPool': {
        const y = this.op('GlobalAveragePool', op.keepDims ? id : `${id}/pool`, [x.name]);
        if (op.keepDims) return { name: y, image: true };
        // Quantized before the Flatten too (the Flatten keeps codes; emit quantizes after it as usual), so
        // DQ -> GlobalAveragePool -> Q fuses into ORT's QLinearGlobalAveragePool and the dense still reads a DQ.
        const pooled = int8 ? this.qdq(y, this.activationParams(id, 'int8')) : y;
        return { name: this.op('Flatten', id, [pooled]), image: false };
      }
      case 'flatten':
        return { name: this.op('Flatten', id, [x.image ? this.op('Transpose', `${id}/nhwc`, [x.name], { perm: [0, 2, 3, 1] }) : x.name]), image: false };
      case 'reshape': {
        const from = x.image ? this.op('Transpose', `${id}/nhwc`, [x.name], { perm: [0, 2, 3, 1] }) : x.name;
        const shape = this.constant(`${id}/shape`, 'int64', [op.shape.length + 1], [0, ...op.shape]);
        const y = this.op('Reshape', op.shape.length === 3 ? `${id}/nhwc_out` : id, [from, shape]);
        return op.shape.length === 3 ? { name: this.op('Transpose', id, [y], { perm: [0, 3, 1, 2] }), image: true } : { name: y, image: false };
      }
      case 'transpose':
        if (!x.image || op.perm.join() !== '0,3,1,2') throw new Error(`exportQdqOnnx: transpose '${id}' with perm [${op.perm.join(', ')}] is not exportable`);
        return { name: this.op('Identity', id, [x.name]), image: false };
      case 'identity':
        return { name: this.op('Identity', id, [x.name]), image: x.image };
    }
  }

  private activation(id: string, x: string, fn: string, image: boolean): string {
    switch (fn) {
      case 'linear': return x;
      case 'relu': return this.op('Relu', `${id}/relu`, [x]);
      case 'relu6': return this.op('Clip', `${id}/relu6`, [x, this.constant(`${id}/zero`, 'float', [], [0]), this.constant(`${id}/six`, 'float', [], [6])]);
      case 'sigmoid': return this.op('Sigmoid', `${id}/sigmoid`, [x]);
      case 'tanh': return this.op('Tanh', `${id}/tanh`, [x]);
      case 'hard_swish': return this.op('HardSwish', `${id}/hard_swish`, [x]);
      case 'swish': return this.op('Mul', `${id}/swish`, [x, this.op('Sigmoid', `${id}/swish_sigmoid`, [x])]);
      case 'softmax':
        if (image) throw new Error(`exportQdqOnnx: softmax '${id}' over a 4-D tensor is not exportable`);
        return this.op('Softmax', `${id}/softmax`, [x], { axis: -1 });
      default: throw new Error(`exportQdqOnnx: activation '${fn}' of '${id}' is not exportable`);
    }
  }

  /** Weight initializer: int8 codes behind a DequantizeLinear on `axis` when quantized, else float32. */
  private weight(name: string, values: ArrayLike<number>, dims: number[], axis: number, qw: QuantizedWeight | null): string {
    if (!qw) return this.constant(name, 'float', dims, values);
    const qp = qw.qp;
    const scales = qp.kind === 'per-tensor' ? [qp.scale] : Array.from(qp.scale);
    const codes = this.constant(`${name}_quantized`, 'int8', dims, values);
    const scale = this.constant(`${name}_scale`, 'float', scales.length === 1 ? [] : [scales.length], scales);
    const zero = this.constant(`${name}_zero_point`, 'int8', scales.length === 1 ? [] : [scales.length], new Array(scales.length).fill(0));
    return this.op('DequantizeLinear', name, [codes, scale, zero], scales.length === 1 ? {} : { axis });
  }

  /** Bias initializer: int32 codes at input scale x weight scale behind a DequantizeLinear when quantized. */
  private bias(node: GraphNode, name: string, values: Float32Array, qw: QuantizedWeight | null): string {
    if (!qw) return this.constant(name, 'float', [values.length], values);
    const { quantized } = quantizeLayerBias({ data: values, shape: [values.length] }, this.activationParams(node.inputs[0], 'int8'), qw.qp, 'int8');
    const scales = quantized.scale.length === 1 ? new Array(values.length).fill(quantized.scale[0]) : Array.from(quantized.scale);
    const codes = this.constant(`${name}_quantized`, 'int32', [values.length], quantized.values as Int32Array);
    const scale = this.constant(`${name}_scale`, 'float', [values.length], scales);
    const zero = this.constant(`${name}_zero_point`, 'int32', [values.length], new Array(values.length).fill(0));
    return this.op('DequantizeLinear', name, [codes, scale, zero], { axis: 0 });
  }

  /**
   * Q -> DQ of an activation, its codes stored as uint8: the plan's int8 code + 128 at zero point + 128, the same
   * grid. ONNX Runtime's x86-64 int8 kernels take uint8 activations (U8S8): with int8 ones it would fuse only the
   * Q -> DQ pairs it can rewrite to uint8 and run the convs between mixed pairs in float (4 to 14 of the zoo's),
   * or, told to allow int8, use S8S8 kernels 2-9x slower on the zoo. ARM builds run U8S8 too.
   */
  private qdq(x: string, qp: TensorQParams): string {
    const base = `${x}/qdq${this.counter++}`;
    const scale = this.constant(`${base}/scale`, 'float', [], [qp.scale]);
    const zero = this.constant(`${base}/zero_point`, 'uint8', [], [qp.zeroPoint + 128]);
    const q = this.op('QuantizeLinear', `${base}/q`, [x, scale, zero]);
    return this.op('DequantizeLinear', `${base}/dq`, [q, scale, zero]);
  }

  private constant(name: string, dtype: OnnxDtype, dims: readonly number[], values: ArrayLike<number>): string {
    this.initializers.push(onnxTensor(name, dtype, dims, values));
    return name;
  }

  private op(type: string, name: string, inputs: string[], attrs: Record<string, AttributeValue> = {}): string {
    this.nodes.push(onnxNode(type, name, inputs, [name], attrs));
    return name;
  }
}
