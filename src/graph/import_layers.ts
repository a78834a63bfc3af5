import * as fs from 'node:fs';
import type { ActivationFn, Graph, GraphInput, GraphNode, Op, Padding, Weight } from './ir';
import { readWeights, type WeightGroup } from './tfjs_weights';

/** A parsed Keras layer: class, config, and the names of the layers feeding it. */
interface KerasLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly inbound: string[];
}

const SUPPORTED = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'BatchNormalization', 'Dense', 'ReLU', 'Activation',
  'Add', 'Multiply', 'Concatenate', 'ZeroPadding2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
  'Flatten', 'Reshape', 'Dropout',
];

/**
 * Imports a TF.js LayersModel (model.json with a Keras topology, plus its weight shards) into the graph IR. Layer
 * names become node names. Weights the TF.js converter stored quantized are dequantized. A layer of an unsupported
 * class, a channels_first layer, a shared layer, a missing weight or a weight of the wrong shape throws, naming the
 * file, the layer and what was wrong.
 */
export function importLayersModel(modelPath: string): Graph {
  const fn = 'importLayersModel';
  if (!fs.existsSync(modelPath)) throw new Error(`${fn}: ${modelPath} does not exist`);
  let json: { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  } catch (err) {
    throw new Error(`${fn}: ${modelPath} is not valid JSON (${err instanceof Error ? err.message : err}); is the file truncated?`);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${fn}: ${modelPath} is not a TF.js LayersModel: it needs a modelTopology object and a weightsManifest array${json && json.format === 'graph-model' ? ' (this is a GraphModel)' : ''}`);
  }
  const weights = readWeights(modelPath, json.weightsManifest as WeightGroup[]);
  return layersTopologyToGraph(modelPath, json.modelTopology as Record<string, unknown>, weights);
}

/** Converts a Keras topology and its decoded weights to the IR; `source` names the file in errors. */
export function layersTopologyToGraph(source: string, topology: Record<string, unknown>, weights: Map<string, Weight>): Graph {
  const top = (topology.model_config ?? topology) as { class_name?: string; config?: unknown };
  const config = top.config as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null) throw new Error(`importLayersModel: ${source} has no model config`);
  const modelName = String(config.name ?? 'model');
  const layers = parseLayers(source, top.class_name ?? '', config);
  const inputs: GraphInput[] = [];
  const nodes: GraphNode[] = [];
  for (const layer of layers) {
    if (layer.className === 'InputLayer') {
      inputs.push({ name: layer.name, shape: inputShape(source, layer) });
      continue;
    }
    if (layer.inbound.length === 0) throw new Error(`importLayersModel: layer '${layer.name}' (${layer.className}) in ${source} has no input`);
    nodes.push(...convertLayer(source, layer, weights));
  }
  if (inputs.length === 0) throw new Error(`importLayersModel: ${source} declares no input shape (no InputLayer, no batch_input_shape)`);
  const outputs = top.class_name === 'Sequential'
    ? [nodes[nodes.length - 1].name]
    : (config.output_layers as unknown[][]).map((o) => String(o[0]));
  return { name: modelName, format: 'tfjs-layers', inputs, nodes, outputs };
}

function parseLayers(source: string, className: string, config: Record<string, unknown>): KerasLayer[] {
  const raw = (Array.isArray(config) ? config : config.layers) as { class_name: string; config: Record<string, unknown>; name?: string; inbound_nodes?: unknown }[] | undefined;
  if (!Array.isArray(raw)) throw new Error(`importLayersModel: ${source} has no layer list in its model config`);
  if (className === 'Sequential') {
    const out: KerasLayer[] = [];
    let previous: string | null = null;
    for (const l of raw) {
      const name = String(l.config.name);
      if (previous === null && l.class_name !== 'InputLayer') {
        // A Sequential model's first layer carries the input shape; TF.js names the implicit input after it.
        const shape = l.config.batch_input_shape ?? l.config.batch_shape;
        out.push({ className: 'InputLayer', name: `${name}_input`, config: { batch_input_shape: shape }, inbound: [] });
        previous = `${name}_input`;
      }
      out.push({ className: l.class_name, name, config: l.config, inbound: previous === null ? [] : [previous] });
      previous = name;
    }
    return out;
  }
  return raw.map((l) => {
    const name = String(l.name ?? l.config.name);
    const nodes = (l.inbound_nodes ?? []) as unknown[];
    if (nodes.length > 1) throw new Error(`importLayersModel: layer '${name}' (${l.class_name}) in ${source} is shared (called ${nodes.length} times); shared layers are not supported`);
    const inbound = nodes.length === 0 ? [] : (nodes[0] as unknown[]).map((entry) => {
      if (!Array.isArray(entry)) throw new Error(`importLayersModel: layer '${name}' in ${source} has inbound nodes in a format this importer does not read (Keras 2 / TF.js lists expected)`);
      return String(entry[0]);
    });
    return { className: l.class_name, name, config: l.config, inbound };
  });
}

function inputShape(source: string, layer: KerasLayer): (number | null)[] {
  const shape = layer.config.batch_input_shape ?? layer.config.batch_shape;
  if (!Array.isArray(shape)) throw new Error(`importLayersModel: input '${layer.name}' in ${source} has no batch_input_shape`);
  return shape.map((d) => (d === null ? null : Number(d)));
}

function convertLayer(source: string, layer: KerasLayer, weights: Map<string, Weight>): GraphNode[] {
  const c = layer.config;
  const fail = (what: string): never => { throw new Error(`importLayersModel: layer '${layer.name}' (${layer.className}) in ${source}: ${what}`); };
  const weight = (param: string, shape?: readonly number[]): Weight => {
    const w = findWeight(weights, layer.name, param);
    if (w === undefined) fail(`weight '${layer.name}/${param}' is missing from the weights manifest`);
    if (shape && (w!.shape.length !== shape.length || w!.shape.some((d, i) => d !== shape[i]))) {
      fail(`weight '${param}' has shape [${w!.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return w!;
  };
  if (c.data_format === 'channels_first') fail('channels_first data is not supported; export the model channels_last');
  const node = (op: Op, name = layer.name, inputs = layer.inbound): GraphNode => ({ name, op, inputs, source: layer.className, aliases: [] });
  const useBias = c.use_bias !== false;
  switch (layer.className) {
    case 'Conv2D': {
      const filter = weight('kernel');
      return [node({ kind: 'conv2d', filter, bias: useBias ? weight('bias', [filter.shape[3]]) : null, ...spatial(c, fail), activation: activation(c.activation, fail), folded: null })];
    }
    case 'DepthwiseConv2D': {
      const filter = weight('depthwise_kernel');
      return [node({ kind: 'depthwiseConv2d', filter, bias: useBias ? weight('bias', [filter.shape[2] * filter.shape[3]]) : null, ...spatial(c, fail), activation: activation(c.activation, fail), folded: null })];
    }
    case 'SeparableConv2D': {
      const depthwise = weight('depthwise_kernel');
      const pointwise = weight('pointwise_kernel');
      const first = `${layer.name}/depthwise`;
      return [
        node({ kind: 'depthwiseConv2d', filter: depthwise, bias: null, ...spatial(c, fail), activation: 'linear', folded: null }, first),
        node({ kind: 'conv2d', filter: pointwise, bias: useBias ? weight('bias', [pointwise.shape[3]]) : null, strides: [1, 1], padding: 'valid', dilations: [1, 1], activation: activation(c.activation, fail), folded: null }, layer.name, [first]),
      ];
    }
    case 'Dense': {
      const kernel = weight('kernel');
      return [node({ kind: 'dense', kernel, bias: useBias ? weight('bias', [kernel.shape[1]]) : null, activation: activation(c.activation, fail), folded: null })];
    }
    case 'BatchNormalization': {
      const axis = Array.isArray(c.axis) ? c.axis[0] : c.axis;
      if (axis !== -1 && axis !== 3 && axis !== 1) fail(`axis ${JSON.stringify(c.axis)} is not the channel axis (-1)`);
      const mean = weight('moving_mean');
      const n = mean.shape[0];
      const ones = { data: new Float32Array(n).fill(1), shape: [n] };
      const zeros = { data: new Float32Array(n), shape: [n] };
      return [node({
        kind: 'batchNorm',
        gamma: c.scale === false ? ones : weight('gamma', [n]),
        beta: c.center === false ? zeros : weight('beta', [n]),
        mean,
        variance: weight('moving_variance', [n]),
        epsilon: Number(c.epsilon ?? 1e-3),
      })];
    }
    case 'ReLU': {
      if (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) fail('a leaky or thresholded ReLU is not supported');
      const max = c.max_value;
      if (max !== null && max !== undefined && Number(max) !== 6) fail(`ReLU with max_value ${max} is not supported (only 6)`);
      return [node({ kind: 'activation', fn: max === null || max === undefined ? 'relu' : 'relu6' })];
    }
    case 'Activation':
      return [node({ kind: 'activation', fn: activation(c.activation, fail) })];
    case 'Add':
      return [node({ kind: 'add' })];
    case 'Multiply':
      return [node({ kind: 'mul' })];
    case 'Concatenate': {
      const axis = Number(c.axis ?? -1);
      return [node({ kind: 'concat', axis })];
    }
    case 'ZeroPadding2D':
      return [node({ kind: 'pad', paddings: zeroPadding(c.padding, fail) })];
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const poolSize = pair(c.pool_size, 'pool_size', fail);
      const strides = c.strides === null || c.strides === undefined ? poolSize : pair(c.strides, 'strides', fail);
      const padding = c.padding === 'same' ? 'same' : 'valid';
      return [node({ kind: layer.className === 'MaxPooling2D' ? 'maxPool' : 'avgPool', poolSize, strides, padding })];
    }
    case 'GlobalAveragePooling2D':
      return [node({ kind: 'globalAvgPool', keepDims: c.keepdims === true })];
    case 'Flatten':
      return [node({ kind: 'flatten' })];
    case 'Reshape': {
      const shape = c.target_shape;
      if (!Array.isArray(shape)) fail('target_shape is missing');
      return [node({ kind: 'reshape', shape: (shape as unknown[]).map(Number) })];
    }
    case 'Dropout':
      return [node({ kind: 'identity' })];
    default:
      return fail(`this layer class is not supported; supported: ${SUPPORTED.join(', ')}`);
  }
}

/** The weight saved as `<layer>/<param>`, tolerating a model-name prefix and a ':0' suffix. */
function findWeight(weights: Map<string, Weight>, layer: string, param: string): Weight | undefined {
  const exact = weights.get(`${layer}/${param}`);
  if (exact) return exact;
  for (const [name, w] of weights) {
    const bare = name.replace(/:0$/, '');
    if (bare === `${layer}/${param}` || bare.endsWith(`/${layer}/${param}`)) return w;
  }
  return undefined;
}

function spatial(c: Record<string, unknown>, fail: (what: string) => never) {
  const padding = c.padding === 'same' ? 'same' : c.padding === 'valid' || c.padding === undefined ? 'valid' : fail(`padding ${JSON.stringify(c.padding)} is not 'same' or 'valid'`);
  return {
    strides: pair(c.strides ?? 1, 'strides', fail),
    padding: padding as Padding,
    dilations: pair(c.dilation_rate ?? 1, 'dilation_rate', fail),
  };
}

function pair(v: unknown, what: string, fail: (what: string) => never): [number, number] {
  const arr = Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)];
  if (arr.length !== 2 || !arr.every((x) => Number.isInteger(x) && x > 0)) fail(`${what} ${JSON.stringify(v)} is not one or two positive integers`);
  return [arr[0], arr[1]];
}

function zeroPadding(v: unknown, fail: (what: string) => never): [[number, number], [number, number]] {
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Array.isArray(x) && x.length === 2)) {
    return [[Number(v[0][0]), Number(v[0][1])], [Number(v[1][0]), Number(v[1][1])]];
  }
  return fail(`padding ${JSON.stringify(v)} is not an integer, a pair or a pair of pairs`);
}

const ACTIVATION_NAMES: Record<string, ActivationFn> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', tanh: 'tanh', swish: 'swish', silu: 'swish',
  hard_swish: 'hard_swish', hardswish: 'hard_swish', softmax: 'softmax',
};

function activation(v: unknown, fail: (what: string) => never): ActivationFn {
  if (v === undefined || v === null) return 'linear';
  const name = typeof v === 'string' ? v : typeof v === 'object' && v !== null && 'class_name' in v ? String((v as { class_name: unknown }).class_name) : '';
  const fn = ACTIVATION_NAMES[name.toLowerCase()];
  return fn ?? fail(`activation ${JSON.stringify(v)} is not supported; supported: ${Object.keys(ACTIVATION_NAMES).join(', ')}`);
}
