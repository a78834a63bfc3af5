import * as path from 'node:path';
import {
  attrReader, commonScope, fusedBiasAndActivation, liveOrder, nhwcPair, outputNames, readGraphDefNodes, readGraphModelJson,
  tensorSource, windowPadding, type AttrReader, type GraphDefNode,
} from './graphdef_json';
import type { ActivationFn, Graph, GraphInput, GraphNode, Op, Weight } from './ir';
import { readWeights, type WeightGroup } from './tfjs_weights';

/** What a GraphDef tensor is while converting: an IR tensor, a constant, or part of a hard-swish pattern. */
type Value =
  | { readonly kind: 'tensor'; readonly name: string; readonly rank: number }
  | { readonly kind: 'const'; readonly weight: Weight }
  | { readonly kind: 'hard'; readonly x: string; readonly rank: number; readonly stage: HardStage; readonly raws: readonly string[] };

/** x + 3, relu6(x + 3), relu6(x + 3) / 6 (hard sigmoid), x * relu6(x + 3) (six times hard swish). */
type HardStage = 'x+3' | 'relu6' | 'hsig' | 'hswish6';

type Fail = (what: string) => never;

const SUPPORTED = [
  'Placeholder', 'Const', 'Identity', 'Conv2D', 'DepthwiseConv2dNative', '_FusedConv2D', 'FusedDepthwiseConv2dNative',
  'MatMul', '_FusedMatMul', 'BiasAdd', 'FusedBatchNorm(V2/V3)', 'Relu', 'Relu6', 'Sigmoid', 'Tanh', 'Softmax', 'Add',
  'AddV2', 'Mul', 'RealDiv (hard swish)', 'Mean', 'Reshape', 'Squeeze', 'MaxPool', 'AvgPool', 'ConcatV2', 'Pad', 'PadV2',
];
const ACTIVATION_OPS: Record<string, ActivationFn> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh', Softmax: 'softmax' };
const PASS_THROUGH = new Set(['Identity', 'Snapshot', 'StopGradient']);

/**
 * Imports a TF.js GraphModel (model.json with format 'graph-model': a TensorFlow GraphDef in JSON plus a weights
 * manifest whose entries are the Const nodes' values, read and dequantized by `readWeights`) into the graph IR.
 *
 * - The converter's fused ops (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul with fused_ops [BiasAdd] or
 *   [BiasAdd, Relu | Relu6 | Sigmoid]) become one conv / depthwise / dense node with its bias and activation.
 * - An unfused Conv2D / MatMul followed by BiasAdd (or Add of a per-channel constant) and an activation from the
 *   same name scope, i.e. the same Keras layer, becomes one node too; the absorbed nodes' raw names are aliases.
 * - x * relu6(x + 3) / 6 (either association, / 6 or * (1/6)) becomes a hard_swish activation; Mul(x, Sigmoid(x))
 *   stays two nodes.
 * - Node names drop the scope every layer shares ("StatefulPartitionedCall/model/") and the op's own name
 *   ("conv1/Conv2D" -> "conv1"); the raw GraphDef name stays as an alias.
 * - Only nodes the outputs depend on are converted, in topological order. Outputs are the signature's, or else the
 *   nodes nothing reads. Inputs are the Placeholders, batch dimension null.
 *
 * Throws, naming the file, node and op: unsupported op (Elu, LeakyRelu and Prelu too: the IR has no such
 * activation), non-NHWC data_format, a Const missing from the manifest, a LayersModel file, NaN weights.
 */
export function importGraphModel(modelPath: string): Graph {
  const { topology, manifest, signature } = readGraphModelJson(modelPath);
  const nodes = readGraphDefNodes(topology, modelPath);
  const weights = readWeights(modelPath, manifest as WeightGroup[]);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const outputs = outputNames(nodes, signature, byName, modelPath);
  const order = liveOrder(outputs, byName, modelPath);
  // How many readers each node has (graph outputs count as readers): only a node's sole reader may merge into it.
  const uses = new Map<string, number>();
  const read = (name: string) => uses.set(name, (uses.get(name) ?? 0) + 1);
  for (const n of order) for (const i of n.input) if (!i.startsWith('^')) read(tensorSource(i)[0]);
  outputs.forEach(read);
  const prefix = commonScope(order);
  const c = new Converter(modelPath, weights, uses, prefix);
  for (const n of order) c.convert(n);
  return {
    name: prefix[prefix.length - 1] ?? path.basename(path.dirname(path.resolve(modelPath))),
    format: 'tfjs-graph',
    inputs: c.inputs,
    nodes: c.nodes,
    outputs: outputs.map((o) => c.output(o)),
  };
}

function scopeOf(raw: string): string {
  return raw.split('/').slice(0, -1).join('/');
}

class Converter {
  readonly inputs: GraphInput[] = [];
  readonly nodes: GraphNode[] = [];
  private readonly values = new Map<string, Value>();
  private readonly used = new Set<string>();
  /** The raw name of the last GraphDef node merged into each IR node: only that one's readers may merge more. */
  private readonly lastRaw = new Map<string, string>();

  constructor(
    private readonly file: string,
    private readonly weights: Map<string, Weight>,
    private readonly uses: Map<string, number>,
    private readonly prefix: readonly string[],
  ) {}

  /** The IR name of a graph output node. */
  output(raw: string): string {
    const v = this.values.get(raw);
    if (v?.kind !== 'tensor') throw new Error(`importGraphModel: output '${raw}' of ${this.file} is ${v?.kind === 'const' ? 'a constant' : 'an unfinished hard-swish pattern'}, not a computed tensor`);
    return v.name;
  }

  convert(n: GraphDefNode): void {
    const fail: Fail = (what) => { throw new Error(`importGraphModel: node '${n.name}' (${n.op}) in ${this.file}: ${what}`); };
    const a = attrReader(n, fail);
    const format = a.string('data_format');
    if (format !== undefined && format !== 'NHWC') fail(`data_format '${format}' is not supported; only NHWC (channels-last) models`);
    const ins = n.input.filter((i) => !i.startsWith('^'));
    const input = (k: number): Value => {
      const [source, index] = tensorSource(ins[k] ?? fail(`it has ${ins.length} inputs; expected at least ${k + 1}`));
      if (index !== 0) fail(`it reads output ${index} of '${source}'; only first outputs are supported`);
      return this.values.get(source)!;
    };
    const tensor = (k: number): Extract<Value, { kind: 'tensor' }> => {
      const v = input(k);
      if (v.kind === 'tensor') return v;
      return fail(v.kind === 'const' ? `input ${k} ('${ins[k]}') is a constant; expected a computed tensor` : `input ${k} ('${ins[k]}') is part of a hard-swish pattern x * relu6(x + 3) / 6 that this node does not complete`);
    };
    const constant = (k: number): Weight => {
      const v = input(k);
      return v.kind === 'const' ? v.weight : fail(`input ${k} ('${ins[k]}') must be a constant (a Const node)`);
    };
    const emit = (op: Op, rank: number, inputs: string[], aliases: string[] = []): void => {
      const name = this.layerName(n.name);
      this.nodes.push({ name, op, inputs, source: n.op, aliases: [...(name === n.name ? [] : [n.name]), ...aliases] });
      this.values.set(n.name, { kind: 'tensor', name, rank });
      this.lastRaw.set(name, n.name);
    };
    switch (n.op) {
      case 'Placeholder': {
        const dtype = a.type('dtype');
        if (dtype !== undefined && dtype !== 'DT_FLOAT') fail(`the input is ${dtype}; expected DT_FLOAT`);
        const shape = a.shape('shape') ?? fail('the input has no known shape (attribute shape)');
        this.inputs.push({ name: n.name, shape: shape.map((d, k) => (k === 0 ? null : d)) });
        this.used.add(n.name);
        this.values.set(n.name, { kind: 'tensor', name: n.name, rank: shape.length });
        return;
      }
      case 'Const': {
        const weight = this.weights.get(n.name) ?? fail(`its value '${n.name}' is missing from the weights manifest of ${this.file}`);
        this.values.set(n.name, { kind: 'const', weight });
        return;
      }
      case 'Conv2D': case 'DepthwiseConv2dNative': case '_FusedConv2D': case 'FusedDepthwiseConv2dNative':
        return this.conv(n, a, tensor(0), constant(1), ins.length > 2 ? () => constant(2) : null, emit, fail);
      case 'MatMul': case '_FusedMatMul': {
        const x = tensor(0);
        if (x.rank !== 2) fail(`input '${ins[0]}' has rank ${x.rank}; a MatMul needs [batch, features]`);
        if (a.bool('transpose_a')) fail('transpose_a is not supported');
        const b = constant(1);
        if (b.shape.length !== 2) fail(`the weight '${ins[1]}' has shape [${b.shape.join(', ')}]; expected a matrix`);
        const kernel = a.bool('transpose_b') ? transpose2d(b) : b;
        const { bias, activation } = n.op === 'MatMul' ? { bias: null, activation: 'linear' as const } : fusedBiasAndActivation(a, kernel.shape[1], ins.length - 2, () => constant(2), fail);
        return emit({ kind: 'dense', kernel, bias, activation, folded: null }, 2, [x.name]);
      }
      case 'BiasAdd':
        return this.foldBias(n.name, ins[0], tensor(0), constant(1), fail);
      case 'Add': case 'AddV2': {
        const [p, q] = [input(0), input(1)];
        if (p.kind === 'tensor' && q.kind === 'tensor') return emit({ kind: 'add' }, Math.max(p.rank, q.rank), [p.name, q.name]);
        const k = p.kind === 'const' ? 1 : 0;
        const x = tensor(k);
        const c = constant(1 - k);
        if (this.canFoldBias(ins[k], x, c)) return this.foldBias(n.name, ins[k], x, c, fail);
        if (isScalar(c, 3)) return void this.values.set(n.name, { kind: 'hard', x: x.name, rank: x.rank, stage: 'x+3', raws: [n.name] });
        return fail(`adding the constant '${ins[1 - k]}' is only supported as the bias of the Conv2D / MatMul right before it or as x + 3 in hard swish`);
      }
      case 'Mul': case 'RealDiv': {
        const [p, q] = [input(0), input(1)];
        if (n.op === 'Mul' && p.kind === 'tensor' && q.kind === 'tensor') return emit({ kind: 'mul' }, Math.max(p.rank, q.rank), [p.name, q.name]);
        const h = p.kind === 'hard' ? p : q.kind === 'hard' ? q : fail(`${n.op} by a constant is only supported inside hard swish, x * relu6(x + 3) / 6`);
        const other = h === p ? q : p;
        const sixth = other.kind === 'const' && (n.op === 'RealDiv' ? h === p && isScalar(other.weight, 6) : isScalar(other.weight, 1 / 6));
        const sameX = other.kind === 'tensor' && other.name === h.x && n.op === 'Mul';
        const raws = [...h.raws, n.name];
        if (h.stage === 'relu6' && sixth) return void this.values.set(n.name, { ...h, stage: 'hsig', raws });
        if (h.stage === 'relu6' && sameX) return void this.values.set(n.name, { ...h, stage: 'hswish6', raws });
        if ((h.stage === 'hsig' && sameX) || (h.stage === 'hswish6' && sixth)) return emit({ kind: 'activation', fn: 'hard_swish' }, h.rank, [h.x], [...h.raws]);
        return fail(`only x * relu6(x + 3) / 6 (hard swish) is supported here; hard sigmoid on its own has no IR op`);
      }
      case 'Relu6': {
        const v = input(0);
        if (v.kind === 'hard' && v.stage === 'x+3') return void this.values.set(n.name, { ...v, stage: 'relu6', raws: [...v.raws, n.name] });
        return this.activation(n.name, ins[0], tensor(0), 'relu6', emit);
      }
      case 'Relu': case 'Sigmoid': case 'Tanh': case 'Softmax':
        return this.activation(n.name, ins[0], tensor(0), ACTIVATION_OPS[n.op], emit);
      case 'Elu': case 'Selu': case 'LeakyRelu': case 'Prelu':
        return fail(`the IR has no ${n.op} activation; supported activations: ${Object.keys(ACTIVATION_OPS).join(', ')} and hard swish`);
      case 'FusedBatchNorm': case 'FusedBatchNormV2': case 'FusedBatchNormV3': {
        const x = tensor(0);
        if (a.bool('is_training')) fail('is_training is true; export the model for inference');
        const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((k) => constant(k));
        const channels = mean.data.length;
        if ([gamma, beta, variance].some((w) => w.data.length !== channels)) fail('scale, offset, mean and variance differ in length');
        return emit({ kind: 'batchNorm', gamma, beta, mean, variance, epsilon: a.float('epsilon') ?? 1e-3 }, x.rank, [x.name]);
      }
      case 'Mean': {
        const x = tensor(0);
        const axes = Array.from(constant(1).data, (d) => (d < 0 ? d + x.rank : d)).sort();
        if (x.rank !== 4 || axes.join() !== '1,2') fail(`only a mean over the spatial axes [1, 2] of an NHWC tensor is supported (got axes [${axes.join(', ')}] of a rank-${x.rank} tensor)`);
        const keepDims = a.bool('keep_dims') ?? false;
        return emit({ kind: 'globalAvgPool', keepDims }, keepDims ? 4 : 2, [x.name]);
      }
      case 'Reshape': {
        const x = tensor(0);
        const shape = Array.from(constant(1).data);
        if (shape[0] !== -1) fail(`reshape to [${shape.join(', ')}] is not supported: the first dimension must be -1 (the batch)`);
        if (shape.length === 2) return emit({ kind: 'flatten' }, 2, [x.name]);
        if (shape.slice(1).some((d) => d < 0)) fail(`reshape to [${shape.join(', ')}] has a second unknown dimension`);
        return emit({ kind: 'reshape', shape: shape.slice(1) }, shape.length, [x.name]);
      }
      case 'Squeeze': {
        const x = tensor(0);
        const dims = (a.ints('squeeze_dims') ?? a.ints('axis') ?? []).map((d) => (d < 0 ? d + x.rank : d)).sort();
        if (x.rank !== 4 || dims.join() !== '1,2') fail(`only squeezing axes [1, 2] of an NHWC tensor to [batch, channels] is supported (got [${dims.join(', ')}])`);
        return emit({ kind: 'flatten' }, 2, [x.name]);
      }
      case 'MaxPool': case 'AvgPool': {
        const x = tensor(0);
        const padding = windowPadding(a, fail);
        if (typeof padding !== 'string') fail('explicit padding is not supported for pooling');
        return emit({ kind: n.op === 'MaxPool' ? 'maxPool' : 'avgPool', poolSize: nhwcPair(a, 'ksize', fail), strides: nhwcPair(a, 'strides', fail), padding: padding as 'same' | 'valid' }, 4, [x.name]);
      }
      case 'ConcatV2': {
        const parts = ins.slice(0, -1).map((_, k) => tensor(k));
        const axis = constant(ins.length - 1);
        if (axis.data.length !== 1) fail('the axis must be a scalar constant');
        const rank = parts[0].rank;
        const d = axis.data[0] < 0 ? axis.data[0] + rank : axis.data[0];
        return emit({ kind: 'concat', axis: d }, rank, parts.map((p) => p.name));
      }
      case 'Pad': case 'PadV2': {
        const x = tensor(0);
        const p = constant(1).data;
        if (n.op === 'PadV2' && !isScalar(constant(2), 0)) fail('only zero padding is supported');
        if (x.rank !== 4 || p.length !== 8 || p[0] || p[1] || p[6] || p[7]) fail(`only padding of the spatial axes of an NHWC tensor is supported (paddings [${Array.from(p).join(', ')}])`);
        return emit({ kind: 'pad', paddings: [[p[2], p[3]], [p[4], p[5]]] }, 4, [x.name]);
      }
      default: {
        if (!PASS_THROUGH.has(n.op)) return fail(`this op is not supported; supported: ${SUPPORTED.join(', ')}`);
        const v = input(0);
        const producer = v.kind === 'tensor' ? this.nodes.find((m) => m.name === v.name) : undefined;
        if (v.kind === 'tensor' && !producer) return emit({ kind: 'identity' }, v.rank, [v.name]); // reads a graph input
        if (producer) this.replace(producer, { ...producer, aliases: [...producer.aliases, n.name] });
        this.values.set(n.name, v);
      }
    }
  }

  private conv(n: GraphDefNode, a: AttrReader, x: Extract<Value, { kind: 'tensor' }>, filter: Weight, arg: (() => Weight) | null, emit: (op: Op, rank: number, inputs: string[]) => void, fail: Fail): void {
    if (x.rank !== 4) fail(`the input has rank ${x.rank}; expected NHWC`);
    if (filter.shape.length !== 4) fail(`the filter has shape [${filter.shape.join(', ')}]; expected [height, width, in, out]`);
    const depthwise = n.op.includes('Depthwise');
    const channels = depthwise ? filter.shape[2] * filter.shape[3] : filter.shape[3];
    const isFused = n.op.startsWith('_Fused') || n.op.startsWith('Fused');
    const { bias, activation } = isFused ? fusedBiasAndActivation(a, channels, n.input.filter((i) => !i.startsWith('^')).length - 2, arg ?? (() => fail('fused_ops BiasAdd needs a bias input')), fail) : { bias: null, activation: 'linear' as const };
    const common = { filter, bias, strides: nhwcPair(a, 'strides', fail), padding: windowPadding(a, fail), dilations: a.ints('dilations') ? nhwcPair(a, 'dilations', fail) : [1, 1] as const, activation, folded: null };
    emit(depthwise ? { kind: 'depthwiseConv2d', ...common } : { kind: 'conv2d', ...common }, 4, [x.name]);
  }

  /** Whether a constant added to `x` is the per-channel bias of the bias-less conv or dense that alone produced it. */
  private canFoldBias(input: string, x: Extract<Value, { kind: 'tensor' }>, c: Weight): boolean {
    const producer = this.mergeable(input, x);
    if (!producer) return false;
    const op = producer.op as Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;
    return op.bias === null && op.activation === 'linear' && c.data.length === outChannels(op) && c.shape.slice(0, -1).every((d) => d === 1);
  }

  private foldBias(raw: string, input: string, x: Extract<Value, { kind: 'tensor' }>, c: Weight, fail: Fail): void {
    if (!this.canFoldBias(input, x, c)) fail(`the bias '${c.shape.join('x')}' is only supported right after a Conv2D, DepthwiseConv2dNative or MatMul without a bias or activation, whose only reader it is, with one value per output channel`);
    const producer = this.nodes.find((m) => m.name === x.name)!;
    const bias = { data: c.data, shape: [c.data.length] };
    this.replace(producer, { ...producer, op: { ...producer.op, bias } as Op, aliases: [...producer.aliases, raw] });
    this.lastRaw.set(producer.name, raw);
    this.values.set(raw, x);
  }

  /** An activation: merged into the conv or dense before it when both come from one layer (name scope). */
  private activation(raw: string, input: string, x: Extract<Value, { kind: 'tensor' }>, fn: ActivationFn, emit: (op: Op, rank: number, inputs: string[]) => void): void {
    const producer = this.mergeable(input, x);
    const op = producer?.op;
    if (producer && op && (op.kind === 'conv2d' || op.kind === 'depthwiseConv2d' || op.kind === 'dense') && op.activation === 'linear' && scopeOf(raw) === scopeOf(this.lastRaw.get(producer.name)!)) {
      this.replace(producer, { ...producer, op: { ...op, activation: fn }, aliases: [...producer.aliases, raw] });
      this.lastRaw.set(producer.name, raw);
      this.values.set(raw, x);
      return;
    }
    emit({ kind: 'activation', fn }, x.rank, [x.name]);
  }

  /** The IR node behind `x` if `input` is its latest raw name and nothing else reads it. */
  private mergeable(input: string, x: Extract<Value, { kind: 'tensor' }>): GraphNode | undefined {
    const [source] = tensorSource(input);
    if (this.lastRaw.get(x.name) !== source || this.uses.get(source) !== 1) return undefined;
    return this.nodes.find((m) => m.name === x.name && (m.op.kind === 'conv2d' || m.op.kind === 'depthwiseConv2d' || m.op.kind === 'dense'));
  }

  private replace(old: GraphNode, next: GraphNode): void {
    this.nodes[this.nodes.indexOf(old)] = next;
  }

  /** "StatefulPartitionedCall/model/conv1/Relu" -> "conv1" (or "conv1/Relu", or the raw name, if taken). */
  private layerName(raw: string): string {
    let parts = raw.split('/');
    if (this.prefix.every((p, k) => parts[k] === p) && parts.length > this.prefix.length) parts = parts.slice(this.prefix.length);
    const candidates = [parts.length > 1 ? parts.slice(0, -1).join('/') : parts[0], parts.join('/'), raw];
    let name = candidates.find((c) => !this.used.has(c));
    for (let k = 1; name === undefined; k++) if (!this.used.has(`${raw}_${k}`)) name = `${raw}_${k}`;
    this.used.add(name);
    return name;
  }
}

function outChannels(op: Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>): number {
  if (op.kind === 'dense') return op.kernel.shape[1];
  return op.kind === 'conv2d' ? op.filter.shape[3] : op.filter.shape[2] * op.filter.shape[3];
}

function isScalar(w: Weight, value: number): boolean {
  return w.data.length === 1 && Math.abs(w.data[0] - value) <= 1e-6 * Math.abs(value);
}

function transpose2d(w: Weight): Weight {
  const [rows, cols] = w.shape;
  const data = new Float32Array(w.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = w.data[r * cols + c];
  return { data, shape: [cols, rows] };
}

