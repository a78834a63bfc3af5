#!/usr/bin/env node
/**
 * The quantscope command line: the library's analyses for scripts and CI pipelines.
 *
 *   quantscope compare MODEL [--data DIR] [--calibration N] [--eval N] [--json]   schemes and calibration methods
 *   quantscope analyze MODEL [--data DIR] [--calibration N] [--eval N] [--json]   layerwise error of INT8 per-channel
 *   quantscope export MODEL --out DIR [--data DIR] [--calibration N]             QDQ ONNX + encodings JSON
 *   quantscope doctor MODEL [--data DIR] [--out DIR] [--budget POINTS] [--json]  best-practice walk, recommendation,
 *                                                                                JSON + self-contained HTML report
 *
 * MODEL is a TF.js model.json (LayersModel or GraphModel), an .onnx file, or a zoo name (resnet, mobilenet_v2,
 * efficientnet). DIR holds Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist, else the committed
 * subset). Calibration uses the first N training images (default 500), evaluation the first N test images
 * (default 1000). Tables go to stdout; with --json, one JSON document instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageBatches } from '../analysis/accuracy';
import { compareCalibrations } from '../analysis/calibrations';
import { layerwiseError } from '../analysis/layerwise';
import { compareSchemes } from '../analysis/schemes';
import { describeBackend, initBackend } from '../backend';
import { loadFashionMnist } from '../data/fashion_mnist';
import { writeEncodings } from '../export/encodings';
import { writeQdqOnnx } from '../export/onnx_qdq';
import { createExecutor } from '../graph/execute';
import { doctor } from '../doctor/doctor';
import { doctorText, writeDoctorReport } from '../doctor/doctor_report';
import type { Graph } from '../graph/ir';
import { loadModel } from '../models/load_model';
import { fashionMnistDir } from '../paths';
import { calibrateGraph, rangesFromHistograms } from '../quant/calibrate_graph';
import type { QuantPlan } from '../quant/plan';
import { formatTable } from './table';

const USAGE = 'usage: quantscope compare|analyze|export|doctor MODEL [--data DIR] [--calibration N] [--eval N] [--out DIR] [--budget POINTS] [--json]';

interface Args {
  readonly command: string;
  readonly model: string;
  readonly data: string;
  readonly calibration: number;
  readonly evaluation: number;
  readonly out: string | null;
  readonly json: boolean;
  readonly budget: number;
}

function parseArgs(argv: readonly string[]): Args {
  const [command, model, ...rest] = argv;
  if (!command || !model || !['compare', 'analyze', 'export', 'doctor'].includes(command)) throw new Error(USAGE);
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
  return {
    command, model, data: flag('data') ?? fashionMnistDir(), calibration: count('calibration', 500), evaluation: count('eval', 1000),
    out: flag('out'), json: rest.includes('--json'), budget: points(flag('budget')),
  };
}

function points(v: string | null): number {
  if (v === null) return 0.5;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`quantscope: --budget must be a number of accuracy points >= 0, got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  const log = (line: string) => { if (!args.json) console.log(line); };
  log(`backend: ${describeBackend(backend)}`);
  const graph = loadModel(args.model);
  if (args.command === 'doctor') {
    runDoctor(args, graph);
    return;
  }
  const calibration = loadFashionMnist({ split: 'train', dir: args.data, limit: args.calibration });
  const evaluation = loadFashionMnist({ split: 'test', dir: args.data, limit: args.evaluation });
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

function runDoctor(args: Args, graph: Graph): void {
  const data = {
    calibration: loadFashionMnist({ split: 'train', dir: args.data, limit: args.calibration }),
    evaluation: loadFashionMnist({ split: 'test', dir: args.data, limit: args.evaluation }),
  };
  const report = doctor(graph, data, { budget: { points: args.budget }, progress: (total, label) => ({ update: (done) => process.stderr.write(`\r${label} ${done}/${total}`) }) });
  process.stderr.write('\n');
  const written = args.out === null ? null : writeDoctorReport(report, args.out);
  if (args.json) {
    console.log(JSON.stringify(report, null, 1));
    return;
  }
  console.log(doctorText(report));
  if (written) console.log(`\nwrote ${written.json} and ${written.html}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
