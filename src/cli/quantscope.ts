#!/usr/bin/env node
/**
 * The quantscope command line: the library's analyses for scripts and CI pipelines.
 *
 *   quantscope compare MODEL [--data DIR] [--calibration N] [--eval N] [--json]   schemes and calibration methods
 *   quantscope analyze MODEL [--data DIR] [--calibration N] [--eval N] [--json]   layerwise error of INT8 per-channel
 *   quantscope export MODEL --out DIR [--data DIR] [--calibration N]             QDQ ONNX + encodings JSON
 *   quantscope equalize MODEL [--data DIR] [--calibration N] [--eval N] [--imbalance SPREAD] [--json]
 *                                                  CLE / high-bias absorption / bias correction ablation; --imbalance
 *                                                  first rescales depthwise channels by that spread (the demonstration)
 *
 * MODEL is a TF.js model.json (LayersModel or GraphModel), an .onnx file, or a zoo name (resnet, mobilenet_v2,
 * efficientnet). DIR holds Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist, else the committed
 * subset). Calibration uses the first N training images (default 500), evaluation the first N test images
 * (default 1000). Tables go to stdout; with --json, one JSON document instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageBatches } from '../analysis/accuracy';
import { equalizationAblation } from '../analysis/equalization_ablation';
import { compareCalibrations } from '../analysis/calibrations';
import { layerwiseError } from '../analysis/layerwise';
import { compareSchemes } from '../analysis/schemes';
import { describeBackend, initBackend } from '../backend';
import { DEBIAN_FASHION_MNIST_DIR, loadFashionMnist, type ImageSet } from '../data/fashion_mnist';
import { writeEncodings } from '../export/encodings';
import { writeQdqOnnx } from '../export/onnx_qdq';
import { imbalanceDepthwiseChannels } from '../fixes/imbalance_channels';
import { createExecutor } from '../graph/execute';
import { foldBatchNorms } from '../graph/fold_batchnorm';
import { fuseActivations } from '../graph/fuse_activations';
import { importGraphModel } from '../graph/import_graph_model';
import { importLayersModel } from '../graph/import_layers';
import { importOnnx } from '../graph/import_onnx';
import type { Graph } from '../graph/ir';
import { calibrateGraph, rangesFromHistograms } from '../quant/calibrate_graph';
import type { QuantPlan } from '../quant/plan';
import { formatTable } from './table';

const root = path.resolve(__dirname, '../../..');
const USAGE = 'usage: quantscope compare|analyze|export|equalize MODEL [--data DIR] [--calibration N] [--eval N] [--out DIR] [--imbalance SPREAD] [--json]';

interface Args {
  readonly command: string;
  readonly model: string;
  readonly data: string;
  readonly calibration: number;
  readonly evaluation: number;
  readonly out: string | null;
  readonly json: boolean;
  /** equalize: rescale depthwise channels by this spread first (imbalanceDepthwiseChannels). */
  readonly imbalance: number | null;
}

function parseArgs(argv: readonly string[]): Args {
  const [command, model, ...rest] = argv;
  if (!command || !model || !['compare', 'analyze', 'export', 'equalize'].includes(command)) throw new Error(USAGE);
  const flag = (name: string): string | null => {
    const i = rest.indexOf(`--${name}`);
    if (i < 0) return null;
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`quantscope: --${name} needs a value\n${USAGE}`);
    return v;
  };
  const count = (name: string, fallback: number): number => {
    const v = flag(name);
    if (v === null) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`quantscope: --${name} must be a positive integer, got '${v}'`);
    return n;
  };
  const defaultData = fs.existsSync(DEBIAN_FASHION_MNIST_DIR) ? DEBIAN_FASHION_MNIST_DIR : path.join(root, 'data', 'fashion-mnist-subset');
  return {
    command, model, data: flag('data') ?? defaultData, calibration: count('calibration', 500), evaluation: count('eval', 1000),
    out: flag('out'), json: rest.includes('--json'), imbalance: flag('imbalance') === null ? null : Number(flag('imbalance')),
  };
}

/** Imports a model by file type or zoo name, folds batch norms and fuses ReLUs as the runtimes do. */
export function loadModel(spec: string): Graph {
  const zoo = path.join(root, 'models', 'zoo', spec, 'model.json');
  const file = fs.existsSync(zoo) ? zoo : spec;
  if (!fs.existsSync(file)) throw new Error(`quantscope: no model file or zoo model named '${spec}' (zoo: resnet, mobilenet_v2, efficientnet)`);
  let graph: Graph;
  if (file.endsWith('.onnx')) graph = importOnnx(file);
  else {
    const format = JSON.parse(fs.readFileSync(file, 'utf8')).format;
    graph = format === 'graph-model' ? importGraphModel(file) : importLayersModel(file);
  }
  return fuseActivations(foldBatchNorms(graph));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  const log = (line: string) => { if (!args.json) console.log(line); };
  log(`backend: ${describeBackend(backend)}`);
  const graph = loadModel(args.model);
  const calibration = loadFashionMnist({ split: 'train', dir: args.data, limit: args.calibration });
  const evaluation = loadFashionMnist({ split: 'test', dir: args.data, limit: args.evaluation });
  if (args.command === 'equalize') {
    equalizeCommand(args.imbalance === null ? graph : imbalanceDepthwiseChannels(graph, args.imbalance).graph, calibration, evaluation, args.json);
    return;
  }
  const float = createExecutor(graph);
  const histograms = calibrateGraph(float, imageBatches(calibration), { onBatch: (p) => process.stderr.write(`\rcalibrating ${p.samples}/${calibration.count}`) });
  process.stderr.write('\n');
  float.dispose();
  const ranges = rangesFromHistograms(histograms);
  const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges };
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  if (args.command === 'compare') {
    const schemes = compareSchemes(graph, ranges, evaluation, undefined, { onScheme: (r) => process.stderr.write(`${r.scheme}: ${pct(r.accuracy)}\n`) });
    const calibrations = compareCalibrations(graph, histograms, evaluation, { defaultPrecision: 'int8', weightGranularity: 'per-channel' });
    if (args.json) {
      console.log(JSON.stringify({ model: graph.name, calibrationImages: calibration.count, evaluationImages: evaluation.count, schemes, calibrations }, null, 1));
      return;
    }
    log(`\n${graph.name}: schemes (${evaluation.count} test images, ${calibration.count} calibration images, min/max ranges)`);
    log(formatTable(['scheme', 'accuracy', 'delta (points)', 'weights (bytes)', 'layers in float'], schemes.map((r) => [r.scheme, pct(r.accuracy), r.delta.toFixed(2), r.modelBytes, r.layersInFloat])));
    log(`\n${graph.name}: calibration methods (INT8 per-channel weights)`);
    log(formatTable(['method', 'accuracy', 'delta (points)'], calibrations.map((r) => [r.method, pct(r.accuracy), r.delta.toFixed(2)])));
  } else if (args.command === 'analyze') {
    const report = layerwiseError(graph, plan, imageBatches(evaluation), { onBatch: (n) => process.stderr.write(`\ranalyzing ${n}/${evaluation.count}`) });
    process.stderr.write('\n');
    if (args.json) {
      console.log(JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1));
      return;
    }
    const f = (x: number | null, d = 3) => (x === null ? '-' : Number.isFinite(x) ? x.toFixed(d) : String(x));
    log(formatTable(['layer', 'op', 'range', 'rmse/scale local', 'SQNR dB local', 'SQNR dB accumulated', 'cosine accumulated'],
      report.rows.map((r) => [r.name, r.op, r.range ? `${r.range.min.toFixed(2)}..${r.range.max.toFixed(2)}` : '-', f(r.local.rmse_over_scale), f(r.local.sqnr_db, 1), f(r.accumulated.sqnr_db, 1), f(r.accumulated.cosine_similarity, 4)])));
  } else {
    if (!args.out) throw new Error(`quantscope export: --out DIR is required\n${USAGE}`);
    fs.mkdirSync(args.out, { recursive: true });
    writeQdqOnnx(path.join(args.out, `${graph.name}.qdq.onnx`), graph, plan);
    writeEncodings(path.join(args.out, `${graph.name}.encodings.json`), graph, plan);
    log(`wrote ${path.join(args.out, `${graph.name}.qdq.onnx`)} and ${graph.name}.encodings.json`);
  }
}

/** The equalization ablation table (it calibrates each transformed graph itself), and what each fix skipped. */
function equalizeCommand(graph: Graph, calibration: ImageSet, evaluation: ImageSet, json: boolean): void {
  const report = equalizationAblation(graph, calibration, evaluation, { defaultPrecision: 'int8' },
    { onRow: (r) => process.stderr.write(`${r.step}: ${(100 * r.accuracy).toFixed(2)}%\n`) });
  const skipped = {
    equalization: report.equalization.skipped,
    absorption: report.absorption.skipped,
    analyticalBiasCorrection: report.analyticalSkipped,
  };
  if (json) {
    const absorbed = report.absorption.pairs.map((p) => ({ producer: p.producer, consumer: p.consumer, absorbedSum: p.absorbed.reduce((a, b) => a + b, 0), range: p.range, paddingShift: p.paddingShift }));
    console.log(JSON.stringify({ model: graph.name, calibrationImages: calibration.count, evaluationImages: evaluation.count, rows: report.rows, equalizedPairs: report.equalization.pairs.length, absorbed, skipped }, null, 1));
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  console.log(`\n${graph.name}: equalization ablation (${evaluation.count} test images, ${calibration.count} calibration images, min/max ranges recalibrated per row)`);
  console.log(formatTable(['step', 'accuracy', 'delta (points)', 'float accuracy', 'weight range spread median', 'max'],
    report.rows.map((r) => [r.step, pct(r.accuracy), r.delta.toFixed(2), pct(r.floatAccuracy), `${r.weightRangeSpread.toFixed(1)}x`, `${r.weightRangeSpreadMax.toFixed(1)}x`])));
  const absorbedChannels = report.absorption.pairs.reduce((n, p) => n + p.absorbed.filter((c) => c > 0).length, 0);
  console.log(`\nCLE: ${report.equalization.pairs.length} pairs equalized. High-bias absorption: ${report.absorption.pairs.length} pairs, ${absorbedChannels} channels with c > 0.`);
  for (const [fix, list] of Object.entries(skipped)) {
    for (const s of list) console.log(`  ${fix} skipped ${'layer' in s ? s.layer : `${s.first} -> ${s.second}`}: ${s.reason}`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
