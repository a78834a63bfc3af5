import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import type { ActivationFn, Graph, GraphInput, GraphNode, Op, Weight } from './ir';
import { attribute, decodeTensor, type OnnxConstant } from './onnx_tensors';

/**
 * Imports an ONNX model (float, opset 11+) into the graph IR. ONNX images are NCHW; the IR is NHWC, so weights are
 * transposed on import (Conv [O, I, kh, kw] -> [kh, kw, I, O]; depthwise, group == channels, -> [kh, kw, C, mult])
 * and a Flatten of an image tensor first transposes back to NCHW so the flattened order, and the Gemm after it,
 * stay the model's. Node names drop PyTorch's "/.../OpType" decoration ("/stem/Conv" becomes "stem") and keep the
 * raw ONNX name as an alias. Unsupported ops, grouped convolutions and non-constant weights throw, naming the node.
 */
export function importOnnx(modelPath: string): Graph {
  if (!fs.existsSync(modelPath)) throw new Error(`importOnnx: ${modelPath} does not exist`);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(fs.readFileSync(modelPath));
  } catch (err) {
    throw new Error(`importOnnx: ${modelPath} is not a valid ONNX protobuf (${err instanceof Error ? err.message : err}); is the file truncated?`);
  }
  const g = model.graph;
  if (!g) throw new Error(`importOnnx: ${modelPath} has no graph`);
  const constants = new Map<string, OnnxConstant>();
  for (const t of g.initializer ?? []) constants.set(t.name ?? '', decodeTensor(t, modelPath));
  const rank = new Map<string, number>();
  const inputs: GraphInput[] = [];
  for (const i of g.input ?? []) {
    if (constants.has(i.name ?? '')) continue;
    const dims = i.type?.tensorType?.shape?.dim ?? [];
    const shape = dims.map((d, k) => (k === 0 || d.dimValue === undefined || d.dimValue === null || Number(d.dimValue) <= 0 ? null : Number(d.dimValue)));
    rank.set(i.name ?? '', shape.length);
    inputs.push(shape.length === 4
      ? { name: i.name ?? 'input', shape: [null, shape[2], shape[3], shape[1]], sourceLayout: 'NCHW' }
      : { name: i.name ?? 'input', shape: [null, ...shape.slice(1)] });
  }
  const names = new Map<string, string>(inputs.map((i) => [i.name, i.name])); // ONNX tensor -> IR name
  const used = new Set(inputs.map((i) => i.name));
  const nodes: GraphNode[] = [];
  const c = new Converter(modelPath, constants, rank, names, used, nodes);
  for (const node of g.node ?? []) c.convert(node);
  const outputs = (g.output ?? []).map((o) => {
    const n = names.get(o.name ?? '');
    if (!n) throw new Error(`importOnnx: graph output '${o.name}' of ${modelPath} is not produced by any supported node`);
    return n;
  });
  return { name: g.name || 'onnx_model', format: 'onnx', inputs, nodes, outputs };
}

class Converter {
  constructor(
    private readonly file: string,
    private readonly constants: Map<string, OnnxConstant>,
    private readonly rank: Map<string, number>,
    private readonly names: Map<string, string>,
    private readonly used: Set<string>,
    private readonly nodes: GraphNode[],
  ) {}

  convert(n: onnx.INodeProto): void {
    const type = n.opType ?? '';
    const raw = n.name || (n.output ?? [])[0] || type;
    const fail = (what: string): never => { throw new Error(`importOnnx: node '${raw}' (${type}) in ${this.file}: ${what}`); };
    const ins = n.input ?? [];
    const out = (n.output ?? [])[0] ?? fail('it has no output');
    if (type === 'Constant') {
      const t = attribute(n, 'value');
      if (typeof t !== 'object' || Array.isArray(t)) fail('only tensor-valued Constant nodes are supported');
      this.constants.set(out, decodeTensor(t as onnx.ITensorProto, this.file));
      return;
    }
    const x = ins[0];
    const r = this.rank.get(x) ?? fail(`its input '${x}' is not produced by a supported node or a graph input`);
    const emit = (op: Op, outRank: number, inputs = [this.tensor(x, fail)]): void => {
      const name = this.uniqueName(raw, type);
      this.nodes.push({ name, op, inputs, source: type, aliases: name === raw ? [] : [raw] });
      this.names.set(out, name);
      this.rank.set(out, outRank);
    };
    const act = (fn: ActivationFn) => emit({ kind: 'activation', fn }, r);
    switch (type) {
      case 'Conv': return this.conv(n, emit, fail);
      case 'Gemm': case 'MatMul': return this.dense(n, type, emit, fail);
      case 'BatchNormalization': {
        const [gamma, beta, mean, variance] = ins.slice(1, 5).map((i) => this.weight(i, fail));
        return emit({ kind: 'batchNorm', gamma, beta, mean, variance, epsilon: Number(attribute(n, 'epsilon') ?? 1e-5) }, r);
      }
      case 'Relu': return act('relu');
      case 'Sigmoid': return act('sigmoid');
      case 'Tanh': return act('tanh');
      case 'HardSwish': return act('hard_swish');
      case 'Softmax': {
        // The IR's softmax runs over the last axis; opset < 13's default axis 1 is that axis for the usual [N, C] logits.
        const axis = Number(attribute(n, 'axis') ?? (r === 2 ? 1 : -1));
        if (axis !== -1 && axis !== r - 1) return fail(`Softmax over axis ${axis} of a rank-${r} tensor; only the last axis is supported`);
        return act('softmax');
      }
      case 'Clip': {
        const lo = ins[1] ? this.scalar(ins[1], fail) : Number(attribute(n, 'min') ?? -Infinity);
        const hi = ins[2] ? this.scalar(ins[2], fail) : Number(attribute(n, 'max') ?? Infinity);
        if (lo === 0 && hi === 6) return act('relu6');
        if (lo === 0 && hi === Infinity) return act('relu');
        return fail(`Clip(${lo}, ${hi}) is not ReLU or ReLU6`);
      }
      case 'Add': case 'Mul': {
        const constant = ins.find((i) => this.constants.has(i));
        if (constant !== undefined) return this.foldBias(n, type, constant, fail);
        return emit({ kind: type === 'Add' ? 'add' : 'mul' }, Math.max(...ins.map((i) => this.rank.get(i) ?? 0)), ins.map((i) => this.tensor(i, fail)));
      }
      case 'Concat': {
        const axis = Number(attribute(n, 'axis') ?? 1);
        const a = axis < 0 ? axis + r : axis;
        return emit({ kind: 'concat', axis: r === 4 ? [0, 3, 1, 2][a] : a }, r, ins.map((i) => this.tensor(i, fail)));
      }
      case 'MaxPool': case 'AveragePool': {
        const kernel = attribute(n, 'kernel_shape') as number[];
        const strides = (attribute(n, 'strides') as number[] | undefined) ?? [1, 1];
        const pads = (attribute(n, 'pads') as number[] | undefined) ?? [0, 0, 0, 0];
        if (pads.some((p) => p !== 0) || (attribute(n, 'auto_pad') ?? 'NOTSET') !== 'NOTSET' || attribute(n, 'ceil_mode') === 1) fail('only unpadded pooling is supported (pad with a Pad node)');
        return emit({ kind: type === 'MaxPool' ? 'maxPool' : 'avgPool', poolSize: [kernel[0], kernel[1]], strides: [strides[0], strides[1]], padding: 'valid' }, 4);
      }
      case 'GlobalAveragePool': return emit({ kind: 'globalAvgPool', keepDims: true }, 4);
      case 'ReduceMean': {
        const axes = (attribute(n, 'axes') as number[] | undefined) ?? (ins[1] ? Array.from(this.constant(ins[1], fail).values) : []);
        if (r !== 4 || axes.map((a) => (a < 0 ? a + 4 : a)).sort().join() !== '2,3') fail('only ReduceMean over the spatial axes is supported');
        const keep = Number(attribute(n, 'keepdims') ?? 1) === 1;
        return emit({ kind: 'globalAvgPool', keepDims: keep }, keep ? 4 : 2);
      }
      case 'Flatten': case 'Reshape': {
        if (type === 'Reshape') {
          const shape = Array.from(this.constant(ins[1], fail).values);
          if (shape.length !== 2) fail(`reshape to [${shape.join(', ')}] is not supported (only to [batch, features])`);
        } else if (Number(attribute(n, 'axis') ?? 1) !== 1) fail('only Flatten with axis 1 is supported');
        if (r !== 4) return emit({ kind: 'flatten' }, 2);
        // Back to the model's channels-first order before flattening, so the next Gemm's weights still apply.
        const nchw = `${raw}/nchw`;
        this.used.add(nchw);
        this.nodes.push({ name: nchw, op: { kind: 'transpose', perm: [0, 3, 1, 2] }, inputs: [this.tensor(x, fail)], source: type, aliases: [] });
        return emit({ kind: 'flatten' }, 2, [nchw]);
      }
      case 'Pad': {
        const pads = ins[1] ? Array.from(this.constant(ins[1], fail).values) : (attribute(n, 'pads') as number[]);
        const mode = attribute(n, 'mode') ?? 'constant';
        const value = ins[2] ? this.scalar(ins[2], fail) : 0;
        if (r !== 4 || mode !== 'constant' || value !== 0 || pads[0] || pads[1] || pads[4] || pads[5]) fail('only zero padding of the spatial axes is supported');
        return emit({ kind: 'pad', paddings: [[pads[2], pads[6]], [pads[3], pads[7]]] }, 4);
      }
      case 'Identity': case 'Dropout': return emit({ kind: 'identity' }, r);
      default:
        return fail('this op is not supported; supported: Conv, Gemm, MatMul, BatchNormalization, Relu, Clip, Sigmoid, Tanh, HardSwish, Add, Mul, Concat, MaxPool, AveragePool, GlobalAveragePool, ReduceMean, Flatten, Reshape, Pad, Identity, Dropout');
    }
  }

  private conv(n: onnx.INodeProto, emit: (op: Op, rank: number) => void, fail: (what: string) => never): void {
    const ins = n.input ?? [];
    const w = this.constant(ins[1], fail);
    const [o, iPerGroup, kh, kw] = w.dims;
    const group = Number(attribute(n, 'group') ?? 1);
    const strides = (attribute(n, 'strides') as number[] | undefined) ?? [1, 1];
    const dilations = (attribute(n, 'dilations') as number[] | undefined) ?? [1, 1];
    const autoPad = attribute(n, 'auto_pad') ?? 'NOTSET';
    const pads = (attribute(n, 'pads') as number[] | undefined) ?? [0, 0, 0, 0];
    if (autoPad !== 'NOTSET' && autoPad !== 'SAME_UPPER' && autoPad !== 'VALID') fail(`auto_pad ${autoPad} is not supported`);
    const padding = autoPad === 'SAME_UPPER' ? 'same' as const : autoPad === 'VALID' || pads.every((p) => p === 0) ? 'valid' as const : [[pads[0], pads[2]], [pads[1], pads[3]]] as const;
    const bias = ins[2] ? this.weight(ins[2], fail) : null;
    const common = { bias, strides: [strides[0], strides[1]] as const, padding, dilations: [dilations[0], dilations[1]] as const, activation: 'linear' as const, folded: null };
    if (group === 1) {
      const data = new Float32Array(w.values.length);
      // [O, I, kh, kw] -> [kh, kw, I, O]
      for (let a = 0; a < o; a++) for (let b = 0; b < iPerGroup; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
        data[((y * kw + x) * iPerGroup + b) * o + a] = w.values[((a * iPerGroup + b) * kh + y) * kw + x];
      }
      return emit({ kind: 'conv2d', filter: { data, shape: [kh, kw, iPerGroup, o] }, ...common }, 4);
    }
    if (iPerGroup !== 1) fail(`grouped convolution (group ${group}, ${iPerGroup} channels per group) is not supported; only depthwise`);
    const mult = o / group;
    const data = new Float32Array(w.values.length);
    // [C * mult, 1, kh, kw] -> [kh, kw, C, mult]; ONNX output channel c * mult + m is TF's as well.
    for (let ch = 0; ch < group; ch++) for (let m = 0; m < mult; m++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      data[((y * kw + x) * group + ch) * mult + m] = w.values[((ch * mult + m) * kh + y) * kw + x];
    }
    return emit({ kind: 'depthwiseConv2d', filter: { data, shape: [kh, kw, group, mult] }, ...common }, 4);
  }

  private dense(n: onnx.INodeProto, type: string, emit: (op: Op, rank: number) => void, fail: (what: string) => never): void {
    const ins = n.input ?? [];
    const b = this.constant(ins[1], fail);
    if (b.dims.length !== 2) fail(`the weight '${ins[1]}' has dims [${b.dims.join(', ')}]; expected a matrix`);
    const transB = type === 'Gemm' && Number(attribute(n, 'transB') ?? 0) === 1;
    if (type === 'Gemm' && Number(attribute(n, 'transA') ?? 0) === 1) fail('transA = 1 is not supported');
    const alpha = type === 'Gemm' ? Number(attribute(n, 'alpha') ?? 1) : 1;
    const beta = type === 'Gemm' ? Number(attribute(n, 'beta') ?? 1) : 1;
    const [rows, cols] = b.dims;
    const [inDim, outDim] = transB ? [cols, rows] : [rows, cols];
    const kernel = new Float32Array(inDim * outDim);
    for (let i = 0; i < inDim; i++) for (let o = 0; o < outDim; o++) kernel[i * outDim + o] = alpha * (transB ? b.values[o * cols + i] : b.values[i * cols + o]);
    const bias = ins[2] ? this.constant(ins[2], fail) : null;
    if (bias && bias.values.length !== outDim) fail(`the bias has ${bias.values.length} values for ${outDim} outputs (broadcast biases are not supported)`);
    emit({ kind: 'dense', kernel: { data: kernel, shape: [inDim, outDim] }, bias: bias ? { data: Float32Array.from(bias.values, (v) => beta * v), shape: [outDim] } : null, activation: 'linear', folded: null }, 2);
  }

  /** MatMul + Add(constant) is how exporters write a dense layer with a bias: fold the constant into it. */
  private foldBias(n: onnx.INodeProto, type: string, constant: string, fail: (what: string) => never): void {
    const other = (n.input ?? []).find((i) => i !== constant)!;
    const producer = this.nodes[this.nodes.length - 1];
    if (type !== 'Add' || !producer || this.names.get(other) !== producer.name || producer.op.kind !== 'dense' || producer.op.bias !== null) {
      fail(`${type} with the constant '${constant}' is only supported as the bias of the MatMul right before it`);
    }
    const op = producer.op as Extract<Op, { kind: 'dense' }>;
    const values = this.constant(constant, fail).values;
    if (values.length !== op.kernel.shape[1]) fail(`the bias '${constant}' has ${values.length} values for ${op.kernel.shape[1]} outputs`);
    this.nodes[this.nodes.length - 1] = { ...producer, op: { ...op, bias: { data: Float32Array.from(values), shape: [values.length] } }, aliases: [...producer.aliases, n.name || type] };
    this.names.set((n.output ?? [])[0], producer.name);
    this.rank.set((n.output ?? [])[0], 2);
  }

  private tensor(name: string, fail: (what: string) => never): string {
    return this.names.get(name) ?? fail(`its input '${name}' is not produced by a supported node`);
  }

  private constant(name: string, fail: (what: string) => never): OnnxConstant {
    return this.constants.get(name) ?? fail(`'${name}' must be a constant (an initializer or a Constant node)`);
  }

  private weight(name: string, fail: (what: string) => never): Weight {
    const c = this.constant(name, fail);
    const data = Float32Array.from(c.values);
    if (data.some((v) => !Number.isFinite(v))) fail(`the weight '${name}' holds NaN or Inf`);
    return { data, shape: c.dims };
  }

  private scalar(name: string, fail: (what: string) => never): number {
    const c = this.constant(name, fail);
    if (c.values.length !== 1) fail(`'${name}' should be a scalar`);
    return c.values[0];
  }

  /** "/stem/Conv" -> "stem"; falls back to the raw name when the short one is taken. */
  private uniqueName(raw: string, type: string): string {
    const parts = raw.split('/').filter((p) => p !== '');
    const short = parts.length > 1 && parts[parts.length - 1].startsWith(type) ? parts.slice(0, -1).join('/') : parts.join('/') || raw;
    const name = this.used.has(short) ? raw : short;
    this.used.add(name);
    return name;
  }
}
