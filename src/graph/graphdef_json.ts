import * as fs from 'node:fs';
import type { ActivationFn, Padding, Weight } from './ir';

/**
 * Reading a TF.js GraphModel's model.json: the file itself, its GraphDef's nodes, which nodes are the outputs and
 * which ones they depend on, and the attributes' meaning (NHWC windows, fused ops). The GraphDef is JSON written
 * by the TF.js converter, validated rather than cast: nodes are `{name, op, input?, attr?}`, and attribute values
 * follow the protobuf JSON mapping, so int64s are strings (`{i: '2'}`), strings are base64 (`{s: 'U0FNRQ=='}` is
 * "SAME"), lists are `{list: {i: [...]}}` or `{list: {s: [...]}}`, and shapes are `{shape: {dim: [{size: '-1'}]}}`.
 */

/** One GraphDef node: its name, op type, input tensor names ("node", "node:1" or a control input "^node"), attrs. */
export interface GraphDefNode {
  readonly name: string;
  readonly op: string;
  readonly input: readonly string[];
  readonly attr: Readonly<Record<string, unknown>>;
}

/**
 * Validates a GraphDef's node list: each node needs a string name and op, unique names, input strings and an
 * attr object. `where` names the file in errors.
 */
export function readGraphDefNodes(topology: unknown, where: string): GraphDefNode[] {
  const fn = 'importGraphModel';
  const nodes = isObject(topology) ? topology.node : undefined;
  if (!Array.isArray(nodes)) throw new Error(`${fn}: the modelTopology of ${where} has no 'node' list; expected a TensorFlow GraphDef`);
  const seen = new Set<string>();
  return nodes.map((n: unknown, k) => {
    if (!isObject(n) || typeof n.name !== 'string' || n.name === '' || typeof n.op !== 'string') {
      throw new Error(`${fn}: node ${k} of ${where} is ${JSON.stringify(n)?.slice(0, 120)}; expected an object with a string name and op`);
    }
    if (seen.has(n.name)) throw new Error(`${fn}: ${where} has two nodes named '${n.name}'`);
    seen.add(n.name);
    const input = n.input ?? [];
    if (!Array.isArray(input) || !input.every((i) => typeof i === 'string')) {
      throw new Error(`${fn}: node '${n.name}' (${n.op}) in ${where} has inputs ${JSON.stringify(input)}; expected a list of tensor names`);
    }
    const attr = n.attr ?? {};
    if (!isObject(attr)) throw new Error(`${fn}: node '${n.name}' (${n.op}) in ${where} has attr ${JSON.stringify(attr)}; expected an object`);
    return { name: n.name, op: n.op, input, attr };
  });
}

/** The producing node's name and output index of a tensor name: "a/b:1" -> ["a/b", 1]; "^a" (control) -> ["a", -1]. */
export function tensorSource(input: string): [string, number] {
  if (input.startsWith('^')) return [input.slice(1), -1];
  const m = /^(.*):(\d+)$/.exec(input);
  return m ? [m[1], Number(m[2])] : [input, 0];
}

/**
 * Typed readers of one node's attributes. Each returns undefined when the attribute is absent and throws through
 * `fail` (which names the node) when it is present with the wrong JSON shape.
 */
export interface AttrReader {
  int(name: string): number | undefined;
  ints(name: string): number[] | undefined;
  float(name: string): number | undefined;
  bool(name: string): boolean | undefined;
  /** A base64 `s` value, decoded as UTF-8 ("U0FNRQ==" -> "SAME"). */
  string(name: string): string | undefined;
  strings(name: string): string[] | undefined;
  /** A DataType enum name such as "DT_FLOAT". */
  type(name: string): string | undefined;
  /** A TensorShape: -1 (unknown) dims become null; undefined for an unknown rank. */
  shape(name: string): (number | null)[] | undefined;
}

/** An AttrReader over `node.attr`. */
export function attrReader(node: GraphDefNode, fail: (what: string) => never): AttrReader {
  const get = (name: string): Record<string, unknown> | undefined => {
    const v = node.attr[name];
    if (v === undefined) return undefined;
    if (!isObject(v)) return fail(`attribute '${name}' is ${JSON.stringify(v)}; expected an AttrValue object`);
    return v;
  };
  const integer = (name: string, v: unknown): number => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) ? n : fail(`attribute '${name}' holds ${JSON.stringify(v)}; expected an integer`);
  };
  const list = (name: string, key: string): unknown[] | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    if (!isObject(v.list)) return fail(`attribute '${name}' is ${JSON.stringify(v)}; expected a list`);
    const items = v.list[key] ?? [];
    return Array.isArray(items) ? items : fail(`attribute '${name}' has list.${key} ${JSON.stringify(items)}; expected an array`);
  };
  const text = (name: string, v: unknown): string => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : fail(`attribute '${name}' holds ${JSON.stringify(v)}; expected a base64 string`));
  return {
    int: (name) => { const v = get(name); return v === undefined ? undefined : integer(name, v.i ?? 0); },
    ints: (name) => list(name, 'i')?.map((x) => integer(name, x)),
    float: (name) => {
      const v = get(name);
      if (v === undefined) return undefined;
      const f = typeof v.f === 'number' ? v.f : typeof v.f === 'string' ? Number(v.f) : v.f === undefined ? 0 : NaN;
      return Number.isNaN(f) ? fail(`attribute '${name}' holds ${JSON.stringify(v)}; expected a number f`) : f;
    },
    bool: (name) => { const v = get(name); return v === undefined ? undefined : v.b === true; },
    string: (name) => { const v = get(name); return v === undefined ? undefined : text(name, v.s ?? ''); },
    strings: (name) => list(name, 's')?.map((x) => text(name, x)),
    type: (name) => { const v = get(name); return v === undefined ? undefined : typeof v.type === 'string' ? v.type : fail(`attribute '${name}' is ${JSON.stringify(v)}; expected a DataType name`); },
    shape: (name) => {
      const v = get(name);
      if (v === undefined) return undefined;
      const s = v.shape;
      if (!isObject(s)) return fail(`attribute '${name}' is ${JSON.stringify(v)}; expected a shape`);
      if (s.unknownRank === true) return undefined;
      const dims = s.dim ?? [];
      if (!Array.isArray(dims)) return fail(`attribute '${name}' has dims ${JSON.stringify(dims)}; expected an array`);
      return dims.map((d) => {
        const size = integer(name, isObject(d) ? d.size ?? 0 : d);
        return size < 0 ? null : size;
      });
    },
  };
}

/** model.json's GraphDef, weights manifest and signature; a missing, truncated or LayersModel file throws. */
export function readGraphModelJson(modelPath: string): { topology: unknown; manifest: unknown[]; signature: unknown } {
  const fn = 'importGraphModel';
  if (!fs.existsSync(modelPath)) throw new Error(`${fn}: ${modelPath} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  } catch (err) {
    throw new Error(`${fn}: ${modelPath} is not valid JSON (${err instanceof Error ? err.message : err}); is the file truncated?`);
  }
  const j = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const top = j.modelTopology as Record<string, unknown> | undefined;
  if (j.format === 'layers-model' || (typeof top === 'object' && top !== null && ('model_config' in top || 'class_name' in top))) {
    throw new Error(`${fn}: ${modelPath} is a TF.js LayersModel (Keras topology), not a GraphModel; import it with importLayersModel`);
  }
  if (j.format !== undefined && j.format !== 'graph-model') throw new Error(`${fn}: ${modelPath} has format ${JSON.stringify(j.format)}; expected 'graph-model'`);
  if (typeof top !== 'object' || top === null || !Array.isArray(j.weightsManifest)) {
    throw new Error(`${fn}: ${modelPath} is not a TF.js GraphModel: it needs a modelTopology object (a GraphDef) and a weightsManifest array`);
  }
  return { topology: top, manifest: j.weightsManifest, signature: j.signature };
}

/** The signature's output nodes, or else every node nothing reads (Const and NoOp aside). */
export function outputNames(nodes: readonly GraphDefNode[], signature: unknown, byName: Map<string, GraphDefNode>, file: string): string[] {
  const declared = typeof signature === 'object' && signature !== null ? (signature as { outputs?: unknown }).outputs : undefined;
  if (typeof declared === 'object' && declared !== null && Object.keys(declared).length > 0) {
    return Object.entries(declared).map(([key, info]) => {
      const name = typeof info === 'object' && info !== null ? (info as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') throw new Error(`importGraphModel: signature output '${key}' of ${file} has no tensor name`);
      const [node] = tensorSource(name);
      if (!byName.has(node)) throw new Error(`importGraphModel: signature output '${key}' of ${file} names '${name}', which no node produces`);
      return node;
    });
  }
  const read = new Set(nodes.flatMap((n) => n.input.map((i) => tensorSource(i)[0])));
  const found = nodes.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
  if (found.length === 0) throw new Error(`importGraphModel: ${file} has no output node`);
  return found;
}

/** The nodes `outputs` depend on, inputs before readers; a reference to a missing node or a cycle throws. */
export function liveOrder(outputs: readonly string[], byName: Map<string, GraphDefNode>, file: string): GraphDefNode[] {
  const order: GraphDefNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: { node: GraphDefNode; next: number }[] = [];
  for (const o of outputs) {
    if (state.has(o)) continue;
    stack.push({ node: byName.get(o)!, next: 0 });
    state.set(o, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.node.input.filter((i) => !i.startsWith('^'));
      if (top.next === inputs.length) {
        stack.pop();
        state.set(top.node.name, 'done');
        order.push(top.node);
        continue;
      }
      const [source] = tensorSource(inputs[top.next++]);
      const node = byName.get(source);
      if (!node) throw new Error(`importGraphModel: node '${top.node.name}' (${top.node.op}) in ${file} reads '${source}', which no node produces`);
      if (state.get(source) === 'open') throw new Error(`importGraphModel: ${file} has a cycle through node '${source}'`);
      if (state.has(source)) continue;
      state.set(source, 'open');
      stack.push({ node, next: 0 });
    }
  }
  return order;
}

/** [1, h, w, 1] strides / ksize / dilations -> [h, w]. */
export function nhwcPair(a: AttrReader, name: string, fail: (what: string) => never): [number, number] {
  const v = a.ints(name) ?? fail(`attribute ${name} is missing`);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1 || !(v[1] > 0 && v[2] > 0)) fail(`${name} [${v.join(', ')}] is not [1, height, width, 1]`);
  return [v[1], v[2]];
}

/** padding 'SAME' -> 'same', 'VALID' -> 'valid', 'EXPLICIT' -> explicit_paddings' [[top, bottom], [left, right]]. */
export function windowPadding(a: AttrReader, fail: (what: string) => never): Padding {
  const p = a.string('padding') ?? fail('attribute padding is missing');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  if (p !== 'EXPLICIT') return fail(`padding '${p}' is not SAME, VALID or EXPLICIT`);
  const e = a.ints('explicit_paddings') ?? [];
  if (e.length !== 8 || e[0] || e[1] || e[6] || e[7]) fail(`explicit_paddings [${e.join(', ')}] do not pad only height and width`);
  return [[e[2], e[3]], [e[4], e[5]]];
}

/** The scope every computing node shares above its layer ("StatefulPartitionedCall/model"), as components. */
export function commonScope(order: readonly GraphDefNode[]): string[] {
  let prefix: string[] | null = null;
  for (const n of order) {
    if (n.op === 'Placeholder' || n.op === 'Const' || n.op === 'Identity' || n.op === 'Snapshot' || n.op === 'StopGradient') continue;
    const parts = n.name.split('/').slice(0, -2);
    if (prefix === null) prefix = parts;
    let k = 0;
    while (k < prefix.length && k < parts.length && prefix[k] === parts[k]) k++;
    prefix = prefix.slice(0, k);
  }
  return prefix ?? [];
}

const FUSED_ACTIVATIONS: Record<string, ActivationFn> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid' };

/** The bias and activation of a fused op: fused_ops [], [BiasAdd] or [BiasAdd, Relu | Relu6 | Sigmoid]. */
export function fusedBiasAndActivation(a: AttrReader, channels: number, argCount: number, bias: () => Weight, fail: (what: string) => never): { bias: Weight | null; activation: ActivationFn } {
  const ops = a.strings('fused_ops') ?? [];
  const numArgs = a.int('num_args') ?? argCount;
  if (ops.length === 0) return { bias: null, activation: 'linear' };
  if (ops[0] === 'FusedBatchNorm') fail('fused_ops [FusedBatchNorm, ...] is not supported (TF.js cannot run it either); convert with batch norm folded');
  if (ops[0] !== 'BiasAdd' || ops.length > 2) fail(`fused_ops [${ops.join(', ')}] is not supported; expected [BiasAdd] or [BiasAdd, ${Object.keys(FUSED_ACTIVATIONS).join(' | ')}]`);
  if (numArgs !== 1 || argCount !== 1) fail(`num_args is ${numArgs} with ${argCount} extra inputs; [${ops.join(', ')}] takes one (the bias)`);
  const activation = ops[1] === undefined ? 'linear' : FUSED_ACTIVATIONS[ops[1]] ?? fail(`the fused activation ${ops[1]} is not supported; the IR has ${Object.keys(FUSED_ACTIVATIONS).join(', ')}`);
  const b = bias();
  if (b.data.length !== channels) fail(`the bias has ${b.data.length} values for ${channels} output channels`);
  return { bias: { data: b.data, shape: [channels] }, activation };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
