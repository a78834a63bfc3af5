import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { importGraphModel } from '../../src/graph/import_graph_model';
import type { Graph, Op } from '../../src/graph/ir';
import { useBackend, withoutLeaks } from '../support/backends';
import { saveLayersModel } from '../support/layers_models';
import { normals, uniforms } from '../support/random';

// There is no Python TensorFlow here, so the GraphModels are written by hand, node by node, as the TF.js converter
// writes them (GraphDef JSON: int64 as strings, strings base64, NHWC 4-lists, Const values in the weights manifest
// by node name). Two independent references check the import: the same network written out in tfjs-core ops
// (tf.fused.* for the converter's fused ops), and the very same files loaded by tfjs-converter's loadGraphModel.

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const A = {
  float: { type: 'DT_FLOAT' },
  i: (v: number) => ({ i: String(v) }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  s: (v: string) => ({ s: b64(v) }),
  strs: (v: string[]) => ({ list: { s: v.map(b64) } }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  shape: (dims: number[]) => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

interface Spec { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }

/** Writes a GraphModel (model.json + one shard) node by node; Const values go to the weights manifest by node name. */
class GraphModelWriter {
  readonly nodes: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[] = [];
  readonly specs: Spec[] = [];
  private seed = 100;

  input(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: A.float, shape: A.shape(shape) } });
    return name;
  }

  /** A float Const with seeded normal values (or the given ones). */
  const(name: string, shape: number[], data?: number[], std = 0.5): string {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = data ? Float32Array.from(data) : normals(this.seed++, size, 0, std);
    this.nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } }, dtype: A.float } });
    this.specs.push({ name, shape, dtype: 'float32', data: values });
    return name;
  }

  intConst(name: string, shape: number[], data: number[]): string {
    this.nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: {} } }, dtype: { type: 'DT_INT32' } } });
    this.specs.push({ name, shape, dtype: 'int32', data: Int32Array.from(data) });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Record<string, unknown> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: A.float, ...attr } });
    return name;
  }

  /** Values of a Const by node name, for the written-out reference. */
  value(name: string): tf.Tensor {
    const s = this.specs.find((x) => x.name === name)!;
    return tf.tensor(s.data, s.shape, s.dtype);
  }

  write(dir: string, signature?: unknown, skip: string[] = []): string {
    fs.mkdirSync(dir, { recursive: true });
    const kept = this.specs.filter((s) => !skip.includes(s.name));
    const bytes = Buffer.concat(kept.map((s) => Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength)));
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), bytes);
    const json = {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0 (written by hand in quantscope tests)',
      modelTopology: { node: this.nodes, library: {}, versions: { producer: 1645 } },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: kept.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
      ...(signature ? { signature } : {}),
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    return path.join(dir, 'model.json');
  }
}

const conv = (stride: number, padding = 'SAME', dilation = 1) => ({
  strides: A.ints([1, stride, stride, 1]), padding: A.s(padding), data_format: A.s('NHWC'), dilations: A.ints([1, dilation, dilation, 1]),
  explicit_paddings: { list: {} }, use_cudnn_on_gpu: A.b(true),
});
const fusedAttrs = (stride: number, ops: string[]) => ({ ...conv(stride), fused_ops: A.strs(ops), num_args: A.i(ops[0] === 'BiasAdd' ? 1 : 0), epsilon: A.f(0) });

const P = 'StatefulPartitionedCall/model/';

/** The converter's fused ops, an unfused Conv2D -> BiasAdd -> Relu, a residual AddV2, squeeze-excite and swish. */
function fusedNet(): GraphModelWriter {
  const g = new GraphModelWriter();
  const x = g.input('input_1', [-1, 8, 8, 3]);
  const axes = g.intConst(`${P}gap/Mean/reduction_indices`, [2], [1, 2]);
  const stem = g.op(`${P}stem/Relu`, '_FusedConv2D', [x, g.const(`${P}stem/Conv2D/ReadVariableOp`, [3, 3, 3, 8]), g.const(`${P}stem/BiasAdd/ReadVariableOp`, [8])], fusedAttrs(1, ['BiasAdd', 'Relu']));
  const dw = g.op(`${P}dw/Relu6`, 'FusedDepthwiseConv2dNative', [stem, g.const(`${P}dw/depthwise/ReadVariableOp`, [3, 3, 8, 1]), g.const(`${P}dw/BiasAdd/ReadVariableOp`, [8])], fusedAttrs(2, ['BiasAdd', 'Relu6']));
  const pwConv = g.op(`${P}pw/Conv2D`, 'Conv2D', [dw, g.const(`${P}pw/Conv2D/ReadVariableOp`, [1, 1, 8, 8])], conv(1, 'VALID'));
  const pwBias = g.op(`${P}pw/BiasAdd`, 'BiasAdd', [pwConv, g.const(`${P}pw/BiasAdd/ReadVariableOp`, [8]), `^${dw}`], { data_format: A.s('NHWC') });
  const pw = g.op(`${P}pw/Relu`, 'Relu', [pwBias]);
  const add = g.op(`${P}add/add`, 'AddV2', [dw, pw]);
  const sePool = g.op(`${P}se_pool/Mean`, 'Mean', [add, axes], { keep_dims: A.b(true), Tidx: { type: 'DT_INT32' } });
  const seReduce = g.op(`${P}se_reduce/Relu`, '_FusedConv2D', [sePool, g.const(`${P}se_reduce/Conv2D/ReadVariableOp`, [1, 1, 8, 4]), g.const(`${P}se_reduce/BiasAdd/ReadVariableOp`, [4])], fusedAttrs(1, ['BiasAdd', 'Relu']));
  const seExpandLinear = g.op(`${P}se_expand/BiasAdd`, '_FusedConv2D', [seReduce, g.const(`${P}se_expand/Conv2D/ReadVariableOp`, [1, 1, 4, 8]), g.const(`${P}se_expand/BiasAdd/ReadVariableOp`, [8])], fusedAttrs(1, ['BiasAdd']));
  const seExpand = g.op(`${P}se_expand/Sigmoid`, 'Sigmoid', [seExpandLinear]);
  const se = g.op(`${P}multiply/mul`, 'Mul', [add, seExpand]);
  const gate = g.op(`${P}swish/Sigmoid`, 'Sigmoid', [se]);
  const swish = g.op(`${P}swish/mul`, 'Mul', [se, gate]);
  const gap = g.op(`${P}gap/Mean`, 'Mean', [swish, axes], { keep_dims: A.b(false) });
  const logits = g.op(`${P}logits/BiasAdd`, '_FusedMatMul', [gap, g.const(`${P}logits/MatMul/ReadVariableOp`, [8, 5]), g.const(`${P}logits/BiasAdd/ReadVariableOp`, [5])], {
    fused_ops: A.strs(['BiasAdd']), num_args: A.i(1), epsilon: A.f(0), transpose_a: A.b(false), transpose_b: A.b(false),
  });
  const softmax = g.op(`${P}logits/Softmax`, 'Softmax', [logits]);
  g.op('Identity', 'Identity', [softmax]);
  g.op('unused/Erf', 'Erf', [x]); // not on the way to the output: never converted, as TF.js never runs it
  return g;
}

const fusedSignature = {
  inputs: { input_1: { name: 'input_1:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } },
  outputs: { output_0: { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '-1' }, { size: '5' }] } } },
};

/** fusedNet written out in tfjs-core ops. */
function fusedNetReference(g: GraphModelWriter, x: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const w = (n: string) => g.value(P + n);
    const stem = tf.fused.conv2d({ x, filter: w('stem/Conv2D/ReadVariableOp') as tf.Tensor4D, bias: w('stem/BiasAdd/ReadVariableOp'), strides: 1, pad: 'same', activation: 'relu' });
    const dw = tf.fused.depthwiseConv2d({ x: stem, filter: w('dw/depthwise/ReadVariableOp') as tf.Tensor4D, bias: w('dw/BiasAdd/ReadVariableOp'), strides: 2, pad: 'same', activation: 'relu6' });
    const pw = tf.relu(tf.add(tf.conv2d(dw, w('pw/Conv2D/ReadVariableOp') as tf.Tensor4D, 1, 'valid'), w('pw/BiasAdd/ReadVariableOp')));
    const add = tf.add(dw, pw) as tf.Tensor4D;
    const sePool = tf.mean(add, [1, 2], true) as tf.Tensor4D;
    const seReduce = tf.fused.conv2d({ x: sePool, filter: w('se_reduce/Conv2D/ReadVariableOp') as tf.Tensor4D, bias: w('se_reduce/BiasAdd/ReadVariableOp'), strides: 1, pad: 'same', activation: 'relu' });
    const seExpand = tf.sigmoid(tf.fused.conv2d({ x: seReduce, filter: w('se_expand/Conv2D/ReadVariableOp') as tf.Tensor4D, bias: w('se_expand/BiasAdd/ReadVariableOp'), strides: 1, pad: 'same' }));
    const se = tf.mul(add, seExpand);
    const swish = tf.mul(se, tf.sigmoid(se));
    const gap = tf.mean(swish, [1, 2]) as tf.Tensor2D;
    return tf.softmax(tf.fused.matMul({ a: gap, b: w('logits/MatMul/ReadVariableOp') as tf.Tensor2D, bias: w('logits/BiasAdd/ReadVariableOp') }));
  });
}

/** Pad, dilated conv, FusedBatchNormV3, hard swish, pools, explicit padding, Add bias, Tanh, ConcatV2, Reshape, Squeeze, MatMul. */
function plainNet(): GraphModelWriter {
  const g = new GraphModelWriter();
  const x = g.input('image', [-1, 9, 9, 4]);
  const pad = g.op('pad/Pad', 'Pad', [x, g.intConst('pad/Pad/paddings', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0])], { Tpaddings: { type: 'DT_INT32' } });
  const convA = g.op('conv_a/Conv2D', 'Conv2D', [pad, g.const('conv_a/kernel', [3, 3, 4, 6])], conv(1, 'VALID', 2));
  const bn = g.op('bn/FusedBatchNormV3', 'FusedBatchNormV3', [convA, g.const('bn/gamma', [6], [0.8, 1.2, 1, 0.5, 1.5, 0.9]), g.const('bn/beta', [6]), g.const('bn/mean', [6]), g.const('bn/variance', [6], [0.5, 1, 2, 0.3, 1.1, 0.7])],
    { epsilon: A.f(0.001), is_training: A.b(false), data_format: A.s('NHWC'), U: A.float });
  const plus3 = g.op('hs/add', 'AddV2', [bn, g.const('hs/add/y', [], [3])]);
  const relu6 = g.op('hs/Relu6', 'Relu6', [plus3]);
  const hsig = g.op('hs/mul', 'Mul', [relu6, g.const('hs/mul/y', [], [1 / 6])]);
  const hs = g.op('hs/mul_1', 'Mul', [bn, hsig]);
  const max = g.op('max/MaxPool', 'MaxPool', [hs], { ksize: A.ints([1, 2, 2, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME'), data_format: A.s('NHWC') });
  const avg = g.op('avg/AvgPool', 'AvgPool', [hs], { ksize: A.ints([1, 3, 3, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME'), data_format: A.s('NHWC') });
  const convB = g.op('conv_b/Conv2D', 'Conv2D', [hs, g.const('conv_b/kernel', [3, 3, 6, 6])], { ...conv(2, 'EXPLICIT'), explicit_paddings: A.ints([0, 0, 1, 1, 1, 1, 0, 0]) });
  const convBBias = g.op('conv_b/add', 'AddV2', [convB, g.const('conv_b/bias', [6])]);
  const convBTanh = g.op('conv_b/Tanh', 'Tanh', [convBBias]);
  const concat = g.op('concat/concat', 'ConcatV2', [max, avg, convBTanh, g.intConst('concat/concat/axis', [], [-1])], { N: A.i(3), Tidx: { type: 'DT_INT32' } });
  const flat = g.op('flatten/Reshape', 'Reshape', [concat, g.intConst('flatten/Const', [2], [-1, 288])], { Tshape: { type: 'DT_INT32' } });
  const fc = g.op('fc/MatMul', 'MatMul', [flat, g.const('fc/kernel_t', [7, 288], undefined, 0.1)], { transpose_a: A.b(false), transpose_b: A.b(true) });
  const fcBias = g.op('fc/BiasAdd', 'BiasAdd', [fc, g.const('fc/bias', [7])], { data_format: A.s('NHWC') });
  const pooled = g.op('gap2/Mean', 'Mean', [concat, g.intConst('gap2/axes', [2], [1, 2])], { keep_dims: A.b(true) });
  const squeezed = g.op('gap2/Squeeze', 'Squeeze', [pooled], { squeeze_dims: A.ints([1, 2]) });
  const fc2 = g.op('fc2/MatMul', 'MatMul', [squeezed, g.const('fc2/kernel', [18, 7])], { transpose_a: A.b(false), transpose_b: A.b(false) });
  g.op('sum/add', 'AddV2', [fcBias, fc2]);
  return g;
}

function plainNetReference(g: GraphModelWriter, x: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const w = (n: string) => g.value(n);
    const pad = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const convA = tf.conv2d(pad, w('conv_a/kernel') as tf.Tensor4D, 1, 'valid', 'NHWC', 2);
    const bn = tf.batchNorm(convA, w('bn/mean') as tf.Tensor1D, w('bn/variance') as tf.Tensor1D, w('bn/beta') as tf.Tensor1D, w('bn/gamma') as tf.Tensor1D, 0.001);
    const hs = tf.mul(bn, tf.mul(tf.relu6(tf.add(bn, 3)), 1 / 6)) as tf.Tensor4D;
    const max = tf.maxPool(hs, 2, 2, 'same');
    const avg = tf.avgPool(hs, 3, 2, 'same');
    const convB = tf.tanh(tf.add(tf.conv2d(hs, w('conv_b/kernel') as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), w('conv_b/bias')));
    const concat = tf.concat([max, avg, convB], 3);
    const fc = tf.add(tf.matMul(tf.reshape(concat, [-1, 288]) as tf.Tensor2D, w('fc/kernel_t') as tf.Tensor2D, false, true), w('fc/bias'));
    const fc2 = tf.matMul(tf.squeeze(tf.mean(concat, [1, 2], true), [1, 2]) as tf.Tensor2D, w('fc2/kernel') as tf.Tensor2D);
    return tf.add(fc, fc2);
  });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qs-graph-model-'));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function runGraph(graph: Graph, x: tf.Tensor): Float32Array {
  const executor = createExecutor(graph);
  const [y] = executor.run(x);
  const out = y.dataSync() as Float32Array;
  y.dispose();
  executor.dispose();
  return out;
}

const kinds = (graph: Graph) => Object.fromEntries(graph.nodes.map((n) => [n.name, n.op.kind]));
const opOf = (graph: Graph, name: string): Op => graph.nodes.find((n) => n.name === name)!.op;

test('a GraphModel with the converter\'s fused conv, depthwise and matmul ops imports under the layers\' names and runs like tfjs-core', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const g = fusedNet();
    const graph = importGraphModel(g.write(dir, fusedSignature));
    assert.equal(graph.format, 'tfjs-graph');
    assert.equal(graph.name, 'model');
    assert.deepEqual(graph.inputs, [{ name: 'input_1', shape: [null, 8, 8, 3] }]);
    assert.deepEqual(graph.outputs, ['logits']);
    assert.deepEqual(kinds(graph), {
      stem: 'conv2d', dw: 'depthwiseConv2d', pw: 'conv2d', add: 'add', se_pool: 'globalAvgPool', se_reduce: 'conv2d',
      se_expand: 'conv2d', multiply: 'mul', swish: 'activation', 'swish/mul': 'mul', gap: 'globalAvgPool', logits: 'dense',
    });
    const stem = opOf(graph, 'stem');
    assert.ok(stem.kind === 'conv2d' && stem.activation === 'relu' && stem.bias?.data.length === 8 && stem.padding === 'same');
    const dw = opOf(graph, 'dw');
    assert.ok(dw.kind === 'depthwiseConv2d' && dw.activation === 'relu6' && dw.strides[0] === 2);
    const pw = graph.nodes.find((n) => n.name === 'pw')!;
    assert.ok(pw.op.kind === 'conv2d' && pw.op.activation === 'relu' && pw.op.bias !== null && pw.op.padding === 'valid');
    assert.deepEqual(pw.aliases, [`${P}pw/Conv2D`, `${P}pw/BiasAdd`, `${P}pw/Relu`]);
    const seExpand = opOf(graph, 'se_expand');
    assert.ok(seExpand.kind === 'conv2d' && seExpand.activation === 'sigmoid');
    const logits = graph.nodes.find((n) => n.name === 'logits')!;
    assert.ok(logits.op.kind === 'dense' && logits.op.activation === 'softmax' && logits.op.bias?.data.length === 5);
    assert.deepEqual(logits.aliases, [`${P}logits/BiasAdd`, `${P}logits/Softmax`, 'Identity']);
    assert.ok(!graph.nodes.some((n) => n.source === 'Erf'), 'a node the outputs do not need is not converted');
    const x = tf.tensor4d(uniforms(31, 3 * 8 * 8 * 3, -2, 2), [3, 8, 8, 3]);
    const expected = fusedNetReference(g, x);
    await withoutLeaks(() => {
      const y = runGraph(graph, x);
      assert.equal(y.length, 15);
      assert.ok(maxAbsDiff(y, expected.dataSync()) < 1e-5, `max difference ${maxAbsDiff(y, expected.dataSync())}`);
    });
    tf.dispose([x, expected]);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a GraphModel with Pad, FusedBatchNormV3, hard swish, pools, explicit padding, ConcatV2, Reshape, Squeeze and MatMul runs like tfjs-core', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const g = plainNet();
    const graph = importGraphModel(g.write(path.join(dir, 'plain_net')));
    assert.equal(graph.name, 'plain_net');
    assert.deepEqual(graph.outputs, ['sum']);
    assert.deepEqual(kinds(graph), {
      pad: 'pad', conv_a: 'conv2d', bn: 'batchNorm', hs: 'activation', max: 'maxPool', avg: 'avgPool', conv_b: 'conv2d',
      concat: 'concat', flatten: 'flatten', fc: 'dense', gap2: 'globalAvgPool', 'gap2/Squeeze': 'flatten', fc2: 'dense', sum: 'add',
    });
    const hs = graph.nodes.find((n) => n.name === 'hs')!;
    assert.ok(hs.op.kind === 'activation' && hs.op.fn === 'hard_swish');
    assert.deepEqual(hs.inputs, ['bn']);
    assert.deepEqual(hs.aliases, ['hs/mul_1', 'hs/add', 'hs/Relu6', 'hs/mul']);
    const convA = opOf(graph, 'conv_a');
    assert.ok(convA.kind === 'conv2d' && convA.dilations[0] === 2 && convA.bias === null);
    const convB = opOf(graph, 'conv_b');
    assert.ok(convB.kind === 'conv2d' && convB.activation === 'tanh' && convB.bias !== null);
    assert.deepEqual(convB.padding, [[1, 1], [1, 1]]);
    assert.ok(opOf(graph, 'concat').kind === 'concat' && (opOf(graph, 'concat') as { axis: number }).axis === 3);
    const fc = opOf(graph, 'fc');
    assert.ok(fc.kind === 'dense' && fc.kernel.shape[0] === 288 && fc.kernel.shape[1] === 7, 'transpose_b is applied to the kernel');
    const x = tf.tensor4d(uniforms(32, 2 * 9 * 9 * 4, -2, 2), [2, 9, 9, 4]);
    const expected = plainNetReference(g, x);
    await withoutLeaks(() => {
      for (const version of [graph, foldBatchNorms(graph)]) {
        const y = runGraph(version, x);
        assert.equal(y.length, 14);
        assert.ok(maxAbsDiff(y, expected.dataSync()) < 1e-5, `max difference ${maxAbsDiff(y, expected.dataSync())}`);
      }
    });
    assert.equal(foldBatchNorms(graph).nodes.find((n) => n.name === 'conv_a')!.aliases.includes('bn'), true);
    tf.dispose([x, expected]);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

function fileHandler(modelPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
      const group = json.weightsManifest[0];
      const data = Buffer.concat(group.paths.map((p: string) => fs.readFileSync(path.join(path.dirname(modelPath), p))));
      return { modelTopology: json.modelTopology, format: json.format, signature: json.signature, weightSpecs: group.weights, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) };
    },
  };
}

test('the same GraphModel files run through tfjs-converter\'s loadGraphModel give our executor\'s outputs within 1e-5', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const cases = [
      { g: fusedNet(), signature: fusedSignature, shape: [4, 8, 8, 3] },
      { g: plainNet(), signature: undefined, shape: [4, 9, 9, 4] },
    ];
    for (const [k, c] of cases.entries()) {
      const file = c.g.write(path.join(dir, `m${k}`), c.signature);
      const model = await loadGraphModel(fileHandler(file));
      const x = tf.tensor4d(uniforms(40 + k, c.shape.reduce((a, b) => a * b, 1), -2, 2), c.shape as [number, number, number, number]);
      const expected = model.execute(x) as tf.Tensor;
      const y = runGraph(importGraphModel(file), x);
      assert.ok(maxAbsDiff(y, expected.dataSync()) < 1e-5, `model ${k}: max difference ${maxAbsDiff(y, expected.dataSync())}`);
      tf.dispose([x, expected]);
      model.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

/** A one-conv GraphModel to break in the bad-input tests. */
function tinyNet(convAttrs: Record<string, unknown> = conv(1), extra?: (g: GraphModelWriter, y: string) => void): GraphModelWriter {
  const g = new GraphModelWriter();
  const x = g.input('x', [-1, 4, 4, 2]);
  const y = g.op('conv/Conv2D', 'Conv2D', [x, g.const('conv/kernel', [1, 1, 2, 3])], convAttrs);
  extra?.(g, y);
  return g;
}

test('importGraphModel rejects bad input with errors naming the file, the node and the op', async () => {
  const dir = tempDir();
  try {
    const at = (name: string) => path.join(dir, name);
    assert.throws(() => importGraphModel(tinyNet(conv(1), (g, y) => g.op('bad/Erf', 'Erf', [y])).write(at('erf'))),
      /importGraphModel: node 'bad\/Erf' \(Erf\) in .*erf\/model.json: this op is not supported; supported: Placeholder, Const/);
    assert.throws(() => importGraphModel(tinyNet().write(at('missing'), undefined, ['conv/kernel'])),
      /importGraphModel: node 'conv\/kernel' \(Const\) in .*missing\/model.json: its value 'conv\/kernel' is missing from the weights manifest/);
    assert.throws(() => importGraphModel(tinyNet({ ...conv(1), data_format: A.s('NCHW') }).write(at('nchw'))),
      /node 'conv\/Conv2D' \(Conv2D\) in .*nchw\/model.json: data_format 'NCHW' is not supported; only NHWC/);
    const elu = tinyNet(conv(1), () => undefined);
    elu.nodes[2] = { name: 'conv/Elu', op: '_FusedConv2D', input: ['x', 'conv/kernel', elu.const('conv/bias', [3])], attr: { T: A.float, ...fusedAttrs(1, ['BiasAdd', 'Elu']) } };
    assert.throws(() => importGraphModel(elu.write(at('elu'))), /node 'conv\/Elu' \(_FusedConv2D\) .*: the fused activation Elu is not supported/);
    assert.throws(() => importGraphModel(tinyNet(conv(1), (g, y) => g.op('act/LeakyRelu', 'LeakyRelu', [y], { alpha: A.f(0.2) })).write(at('leaky'))),
      /node 'act\/LeakyRelu' \(LeakyRelu\) .*: the IR has no LeakyRelu activation/);
    assert.throws(() => importGraphModel(tinyNet(conv(1), (g, y) => g.op('scale/mul', 'Mul', [y, g.const('scale/y', [], [2])])).write(at('scale'))),
      /node 'scale\/mul' \(Mul\) .*: Mul by a constant is only supported inside hard swish/);
    assert.throws(() => importGraphModel(tinyNet(conv(1), (g) => g.op('dangling', 'Relu', ['nowhere'])).write(at('dangling'))),
      /node 'dangling' \(Relu\) in .*dangling\/model.json reads 'nowhere', which no node produces/);

    const layers = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], name: 'fc' })] });
    const layersFile = await saveLayersModel(layers, at('layers'));
    layers.dispose();
    assert.throws(() => importGraphModel(layersFile), /importGraphModel: .*layers\/model.json is a TF.js LayersModel \(Keras topology\), not a GraphModel; import it with importLayersModel/);
    const good = tinyNet().write(at('cut'));
    fs.writeFileSync(good, fs.readFileSync(good, 'utf8').slice(0, 100));
    assert.throws(() => importGraphModel(good), /importGraphModel: .*cut\/model.json is not valid JSON .*is the file truncated\?/);
    assert.throws(() => importGraphModel(at('nope.json')), /importGraphModel: .*nope.json does not exist/);
    const noShard = tinyNet().write(at('noshard'));
    fs.rmSync(path.join(dir, 'noshard', 'group1-shard1of1.bin'));
    assert.throws(() => importGraphModel(noShard), /weight shard .*group1-shard1of1.bin \(group 0 of .*noshard\/model.json\) does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('GraphDef attribute values are read in their JSON encoding: int64 strings, base64 strings and NHWC lists', () => {
  const dir = tempDir();
  try {
    // strides [1, 2, 3, 1] as strings, padding base64 'VALID', dilations absent (default 1)
    const { dilations, ...attrs } = conv(1, 'VALID');
    void dilations;
    const graph = importGraphModel(tinyNet({ ...attrs, strides: { list: { i: ['1', '2', '3', '1'] } } }).write(dir));
    const op = graph.nodes[0].op;
    assert.ok(op.kind === 'conv2d');
    assert.deepEqual(op.strides, [2, 3]);
    assert.deepEqual(op.dilations, [1, 1]);
    assert.equal(op.padding, 'valid');
    assert.equal(graph.nodes[0].name, 'conv');
    assert.deepEqual(graph.nodes[0].aliases, ['conv/Conv2D']);
    assert.throws(() => importGraphModel(tinyNet({ ...attrs, strides: { list: { i: ['1', 'two', '2', '1'] } } }).write(path.join(dir, 'bad'))),
      /node 'conv\/Conv2D' \(Conv2D\) .*: attribute 'strides' holds "two"; expected an integer/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
