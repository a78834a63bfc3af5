/**
 * The integer path's 'onnxruntime' profile against onnxruntime-node running the QDQ export, code for code at every
 * quantized tensor of the zoo models on the 1000-image test subset. Each tensor is read from the export truncated
 * after it (its Q -> DQ is the graph's output), not by adding graph outputs: a Q whose output also leaves the graph
 * may stop ORT fusing it into the integer kernel before it, which would change the arithmetic being checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createOnnxRuntimeRunner, type OnnxRuntimeRunner } from '../src/export/onnxruntime_executor';
import { exportQdqOnnx } from '../src/export/onnx_qdq';
import type { Graph } from '../src/graph/ir';
import { createIntegerExecutor } from '../src/quant/integer_executor';
import { activationParamsLookup } from '../src/quant/plan_params';
import { useBackend } from './support/backends';
import { ortKernelsDiffer } from './support/cpu';
import { loadZooModel, zooModels } from './support/zoo';

/** The graph cut after `name`: its ancestors only, with `name` as the one output. */
function truncatedAt(graph: Graph, name: string): Graph {
  const needed = new Set([name]);
  for (const node of [...graph.nodes].reverse()) if (needed.has(node.name)) for (const i of node.inputs) needed.add(i);
  return { ...graph, nodes: graph.nodes.filter((n) => needed.has(n.name)), outputs: [name] };
}

// What ORT runs here (its optimized graphs, session as createOnnxRuntimeRunner opens it): every conv, add, mul and
// global average pool as its integer QLinear kernel, the dense as QGemm with a float output, and in float, between
// DQ and Q: swish (Sigmoid, Mul), softmax and efficientnet's squeeze-excite convs with their fused swish/sigmoid
// (Conv + QuickGelu, FusedConv). The integer path reproduces the QLinear kernels and MLAS's logistic and softmax
// exactly; the float convs it does not (ORT sums float products, the integer path int32 ones), so equality after
// them is measured, not constructed: on these 1000 images no code lands on the other side of a rounding boundary.

/** Images per run: every tensor's codes for one run are held at once. */
const CHUNK = 250;

for (const name of zooModels) {
  test(`${name}: the integer path's codes equal onnxruntime's at every quantized tensor`, { skip: ortKernelsDiffer() }, async () => {
    await useBackend('wasm');
    const { graph, plan, testSet } = loadZooModel(name);
    const grid = activationParamsLookup(graph, plan, 'zoo_onnxruntime_exact');
    const integer = createIntegerExecutor(graph, plan, { profile: 'onnxruntime' });
    const runners = new Map<string, OnnxRuntimeRunner>();
    for (const node of graph.nodes) runners.set(node.name, await createOnnxRuntimeRunner(exportQdqOnnx(truncatedAt(graph, node.name), plan), graph));
    const codes = (t: tf.Tensor, tensor: string) => {
      const { scale, zeroPoint } = grid(tensor, 'int8');
      const v = t.dataSync();
      const q = new Int8Array(v.length);
      for (let i = 0; i < v.length; i++) q[i] = Math.round(v[i] / scale) + zeroPoint;
      return q;
    };
    const differing = new Map<string, number>();
    try {
      for (let start = 0; start < testSet.count; start += CHUNK) {
        const n = Math.min(CHUNK, testSet.count - start);
        const x = tf.tensor4d(testSet.images.subarray(start * 784, (start + n) * 784), [n, 28, 28, 1]);
        const ours = new Map<string, Int8Array>();
        const outs = integer.run(x, { taps: 'all', onTap: (node, y) => ours.set(node.name, codes(y, node.name)) });
        tf.dispose(outs);
        for (const node of graph.nodes) {
          const y = await runners.get(node.name)!.run(x);
          const theirs = codes(y, node.name);
          y.dispose();
          const mine = ours.get(node.name)!;
          assert.equal(theirs.length, mine.length, `${node.name}: ${theirs.length} codes from onnxruntime, ${mine.length} from the integer path`);
          let d = 0;
          for (let i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) d++;
          differing.set(node.name, (differing.get(node.name) ?? 0) + d);
        }
        x.dispose();
      }
    } finally {
      integer.dispose();
      for (const r of runners.values()) await r.release();
    }
    const found = Object.fromEntries([...differing].filter(([, d]) => d > 0));
    assert.deepEqual(found, {}, `differing codes per tensor: ${JSON.stringify(found)}`);
  });
}
