#!/usr/bin/env node
/**
 * The quantscope command line: the library's analyses for scripts and CI pipelines.
 *
 *   quantscope compare MODEL [--data DIR] [--calibration N] [--eval N] [--json]   schemes and calibration methods
 *   quantscope analyze MODEL [--data DIR] [--calibration N] [--eval N] [--json]   layerwise error of INT8 per-channel
 *   quantscope export MODEL --out DIR [--data DIR] [--calibration N]             QDQ ONNX + encodings JSON
 *   quantscope mixed MODEL [--weight-bits B] [--higher float|fp16|int16] [--budget POINTS] [--json]
 *                                                                                mixed-precision search and table
 *   quantscope doctor MODEL [--data DIR] [--out DIR] [--budget POINTS] [--json]  best-practice walk, recommendation,
 *                                                                                JSON + self-contained HTML report
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
import { compareSchemes, standardSchemes } from '../analysis/schemes';
import { describeBackend, initBackend } from '../backend';
import { loadFashionMnist, type ImageSet } from '../data/fashion_mnist';
import { searchMixedPrecision } from '../fixes/mixed_precision';
import { writeEncodings } from '../export/encodings';
import { writeQdqOnnx } from '../export/onnx_qdq';
import { imbalanceDepthwiseChannels } from '../fixes/imbalance_channels';
import { createExecutor } from '../graph/execute';
import { doctor } from '../doctor/doctor';
import { doctorText, writeDoctorReport } from '../doctor/doctor_report';
import type { Graph } from '../graph/ir';
import { loadModel } from '../models/load_model';
import { fashionMnistDir } from '../paths';
import { calibrateGraph, rangesFromHistograms } from '../quant/calibrate_graph';
import type { QuantPlan } from '../quant/plan';
import { formatTable } from './table';

const USAGE = 'usage: quantscope compare|analyze|export|equalize|mixed|doctor MODEL [--data DIR] [--calibration N] [--eval N] [--out DIR] [--budget POINTS] [--weight-bits B] [--higher P] [--imbalance SPREAD] [--json]';

interface Args {
  readonly command: string;
  readonly model: string;
  readonly data: string;
  readonly calibration: number;
  readonly evaluation: number;
  readonly out: string | null;
  readonly json: boolean;
  readonly budget: number;
  readonly weightBits: number;
  readonly higher: 'float' | 'fp16' | 'int16';
  /** equalize: rescale depthwise channels by this spread first (imbalanceDepthwiseChannels). */
  readonly imbalance: number | null;
}

function parseArgs(argv: readonly string[]): Args {
  const [command, model, ...rest] = argv;
  if (!command || !model || !['compare', 'analyze', 'export', 'equalize', 'mixed', 'doctor'].includes(command)) throw new Error(USAGE);
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
    out: flag('out'), json: rest.includes('--json'), budget: points(flag('budget')), weightBits: count('weight-bits', 8),
    higher: oneOf('higher', flag('higher') ?? 'float', ['float', 'fp16', 'int16'] as const),
    imbalance: flag('imbalance') === null ? null : Number(flag('imbalance')),
  };
}

function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`quantscope: --${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
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
  } else if (args.command === 'mixed') {
    runMixed(args, graph, { ...plan, weightBits: args.weightBits }, evaluation);
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

/**
 * The mixed-precision table (FP32, FP16, INT8, INT16 activations, the plan, the plan with the search's layers in higher
 * precision) and the search's trials.
 */
function runMixed(args: Args, graph: Graph, plan: QuantPlan, evaluation: ImageSet): void {
  const ranges = plan.activationRanges;
  const planName = `INT8 per-channel${plan.weightBits === 8 ? '' : `, INT${plan.weightBits} weights`}`;
  const result = searchMixedPrecision(graph, plan, evaluation, {
    budget: { points: args.budget }, higher: args.higher,
    onTrial: (t) => process.stderr.write(`trial ${t.step}: ${t.move} ${t.layer ?? ''} -> ${(100 * t.accuracy).toFixed(2)}%\n`),
  });
  const schemes = compareSchemes(graph, ranges, evaluation, [
    ...standardSchemes().filter((s) => ['FP32', 'FP16', 'INT8 per-channel symmetric', 'INT16 activations, INT8 weights (16x8)'].includes(s.name)),
    ...(plan.weightBits === 8 ? [] : [{ name: planName, plan: () => plan }]),
    { name: `${planName}, ${result.promoted.join(', ') || 'no layer'} in ${args.higher}`, plan: () => result.plan },
  ]);
  if (args.json) {
    console.log(JSON.stringify({ model: graph.name, evaluationImages: evaluation.count, schemes, search: { ...result, plan: undefined, sensitivity: result.sensitivity.rows } }, null, 1));
    return;
  }
  console.log(`\n${graph.name}: mixed precision (${evaluation.count} test images; budget ${args.budget} points below float${result.met ? '' : `; NOT MET: ${result.note}`})`);
  console.log(formatTable(['configuration', 'accuracy', 'delta (points)', 'weights (bytes)', 'layers in float'], schemes.map((r) => [r.scheme, `${(100 * r.accuracy).toFixed(2)}%`, r.delta.toFixed(2), r.modelBytes, r.layersInFloat])));
  console.log(`\nsearch trials (most sensitive first, by accuracy recovered when kept in ${args.higher})`);
  console.log(formatTable(['step', 'move', 'layer', 'layers promoted', 'accuracy', 'within budget', 'kept'],
    result.trials.map((t) => [t.step, t.move, t.layer ?? '-', t.promoted.length, `${(100 * t.accuracy).toFixed(2)}%`, t.withinBudget ? 'yes' : 'no', t.kept ? 'yes' : 'no'])));
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
