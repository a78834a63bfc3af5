/**
 * Speed of the analyses on the zoo, over the committed 1000 test images (wasm backend):
 *  - layerwise error (local and accumulated) of INT8 per-channel: wall seconds (issue #4's target: under 10 s);
 *  - per-layer sensitivity with reused activations against the same trials each evaluated from scratch
 *    (planAccuracy per trial), in the same run: the ratio is the saving of the reuse.
 *
 *   npx tsc -b && node scripts/build-wasm.js && node build/bench/analysis_speed.js [--eval 1000]
 */
import { imageBatches, planAccuracy } from '../src/analysis/accuracy';
import { layerwiseError } from '../src/analysis/layerwise';
import { layerSensitivity } from '../src/analysis/sensitivity';
import { initBackend } from '../src/backend';
import { firstImages, loadFashionMnist } from '../src/data/fashion_mnist';
import { isWeightedLayer } from '../src/graph/ir';
import { loadModel, ZOO_MODELS } from '../src/models/load_model';
import { REPO_ROOT } from '../src/paths';
import { calibrateImages, rangesFromHistograms } from '../src/quant/calibrate_graph';
import type { QuantPlan } from '../src/quant/plan';
import * as path from 'node:path';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function seconds(run: () => void): number {
  const t = performance.now();
  run();
  return (performance.now() - t) / 1000;
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const dir = path.join(REPO_ROOT, 'data', 'fashion-mnist-subset');
  const evaluation = loadFashionMnist({ split: 'test', dir, limit: arg('eval', 1000) });
  const calibration = firstImages(loadFashionMnist({ split: 'train', dir }), 500);
  console.log(`model          images  layerwise s  sensitivity (reuse) s  sensitivity (from scratch) s  from scratch / reuse`);
  for (const name of ZOO_MODELS) {
    const graph = loadModel(name);
    const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: rangesFromHistograms(calibrateImages(graph, calibration)) };
    const layerwise = seconds(() => layerwiseError(graph, plan, imageBatches(evaluation)));
    const reuse = seconds(() => layerSensitivity(graph, plan, evaluation));
    const scratch = seconds(() => {
      planAccuracy(graph, null, evaluation);
      planAccuracy(graph, plan, evaluation);
      for (const node of graph.nodes.filter(isWeightedLayer)) {
        planAccuracy(graph, { ...plan, defaultPrecision: 'float', layerPrecision: { [node.name]: 'int8' } }, evaluation);
        planAccuracy(graph, { ...plan, layerPrecision: { [node.name]: 'float' } }, evaluation);
      }
    });
    console.log(`${name.padEnd(14)} ${String(evaluation.count).padStart(6)}  ${layerwise.toFixed(1).padStart(11)}  ${reuse.toFixed(1).padStart(21)}  ${scratch.toFixed(1).padStart(28)}  ${(scratch / reuse).toFixed(2).padStart(20)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
