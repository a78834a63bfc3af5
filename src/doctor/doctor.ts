import { imageBatches, planAccuracy } from '../analysis/accuracy';
import { compareCalibrations, standardCalibrationMethods, type CalibrationRow } from '../analysis/calibrations';
import { layerwiseError } from '../analysis/layerwise';
import { compareSchemes, planFootprint, standardSchemes, type SchemeRow } from '../analysis/schemes';
import { layerSensitivity, type SensitivityRow } from '../analysis/sensitivity';
import type { StreamingHistogram } from '../calibration/histogram';
import { firstImages } from '../data/fashion_mnist';
import { correctBiasAnalytically, correctBiasEmpirically } from '../fixes/bias_correction';
import { absorbHighBias } from '../fixes/high_bias_absorption';
import { equalizeCrossLayer } from '../fixes/equalize';
import { budgetTarget, searchMixedPrecision, type AccuracyBudget, type MixedPrecisionTrial } from '../fixes/mixed_precision';
import { isWeightedLayer, type Graph } from '../graph/ir';
import { calibrateImages, rangesFromHistograms } from '../quant/calibrate_graph';
import type { LayerPrecision, QuantPlan } from '../quant/plan';
import type { SessionData, ProgressFactory } from '../session/quant_session';
import { DEFAULT_RMSE_OVER_SCALE_THRESHOLD } from '../views/layerwise_view';

/** One configuration the doctor evaluated. */
export interface DoctorCandidate {
  readonly name: string;
  readonly weightGranularity: 'per-channel' | 'per-tensor';
  readonly rangeMethod: string;
  readonly equalization: boolean;
  readonly biasCorrection: boolean;
  readonly floatLayers: readonly string[];
  readonly accuracy: number;
  /** accuracy - float accuracy, in points. */
  readonly delta: number;
  readonly modelBytes: number;
  readonly withinBudget: boolean;
}

/** One item of the checklist: what was asked, what was measured, what follows. */
export interface DoctorFinding {
  readonly step: string;
  readonly finding: string;
}

export interface DoctorReport {
  readonly model: string;
  readonly calibrationImages: number;
  readonly evaluationImages: number;
  readonly floatAccuracy: number;
  readonly budget: AccuracyBudget;
  /** The least accuracy the budget accepts. */
  readonly target: number;
  readonly schemes: readonly SchemeRow[];
  readonly calibrations: readonly CalibrationRow[];
  /** Layers whose local rmse/scale exceeds the threshold under the best all-int8 configuration. */
  readonly flaggedLayers: readonly { readonly layer: string; readonly rmseOverScale: number; readonly sqnrDb: number }[];
  readonly sensitivity: readonly SensitivityRow[];
  readonly mixedPrecisionTrials: readonly MixedPrecisionTrial[];
  readonly candidates: readonly DoctorCandidate[];
  /** The recommended configuration: the cheapest within budget, or else the most accurate found. */
  readonly recommendation: DoctorCandidate;
  readonly findings: readonly DoctorFinding[];
}

export interface DoctorOptions {
  /** Accuracy the quantized model may lose; half a point by default. */
  readonly budget?: AccuracyBudget;
  /** The precision of layers the mixed-precision step keeps out of int8 ('float' by default). */
  readonly higher?: Exclude<LayerPrecision, 'int8'>;
  /**
   * The activation histograms of `graph` on `data.calibration`, when they are already collected (a session passes
   * its own); collected here otherwise.
   */
  readonly histograms?: ReadonlyMap<string, StreamingHistogram>;
  readonly progress?: ProgressFactory;
}

interface Config {
  readonly name: string;
  readonly graph: Graph;
  readonly plan: QuantPlan;
  readonly rangeMethod: string;
  readonly equalization: boolean;
  readonly biasCorrection: boolean;
}

/**
 * The quantization doctor: walks the best-practice path on a model and returns a recommended configuration with every
 * number that led to it. The steps, in order (each is a finding in the report):
 *  1. the scheme table (FP32, FP16, INT8 per-tensor/per-channel, 16x8, INT4): what precision costs;
 *  2. INT8 per-channel with min/max ranges: the baseline;
 *  3. range tuning: every calibration method on the baseline; the best is kept;
 *  4. per-tensor weights with cross-layer equalization and high-bias absorption, when per-tensor loses;
 *  5. bias correction, analytical (from batch-norm statistics) and empirical, on the best configuration;
 *  6. layerwise error of the best configuration: the layers above rmse/scale 0.7;
 *  7. if still outside the budget: per-layer sensitivity and the mixed-precision search.
 * The recommendation is the candidate within budget with the fewest float layers, then the fewest extra steps
 * (a tuned range method, equalization, bias correction: each is something to reproduce in deployment), then the
 * smallest model, then the highest accuracy. A gain of a few images is noise, not a reason for an extra step. When
 * no candidate is within budget, the most accurate is recommended and the report says so.
 */
export function doctor(graph: Graph, data: SessionData, options: DoctorOptions = {}): DoctorReport {
  if (!graph.nodes.some(isWeightedLayer)) throw new Error(`doctor: graph '${graph.name}' has no quantizable layer (conv, depthwise or dense); there is nothing to quantize`);
  const budget = options.budget ?? { points: 0.5 };
  const evaluation = data.evaluation;
  const findings: DoctorFinding[] = [];
  const steps = 8;
  const bar = options.progress?.(steps, `doctor: ${graph.name}`);
  let step = 0;
  const advance = () => bar?.update(++step);

  const histograms = options.histograms ?? calibrateImages(graph, data.calibration);
  advance();
  const floatAccuracy = planAccuracy(graph, null, evaluation);
  const target = budgetTarget(budget, floatAccuracy);
  const pts = (a: number) => `${(100 * (a - floatAccuracy)).toFixed(2)} points`;

  const minmax = rangesFromHistograms(histograms);
  const schemes = compareSchemes(graph, minmax, evaluation, standardSchemes());
  advance();
  const row = (name: string) => schemes.find((r) => r.scheme === name)!;
  findings.push({ step: 'schemes', finding: `float ${(100 * floatAccuracy).toFixed(2)}%; FP16 ${pts(row('FP16').accuracy)}, INT8 per-channel ${pts(row('INT8 per-channel symmetric').accuracy)}, INT8 per-tensor ${pts(row('INT8 per-tensor symmetric').accuracy)}, 16x8 ${pts(row('INT16 activations, INT8 weights (16x8)').accuracy)}, INT4 weights ${pts(row('INT4 weights per-channel, INT8 activations').accuracy)}` });

  const candidates: DoctorCandidate[] = [];
  const configs = new Map<string, Config>();
  const evaluate = (c: Config): DoctorCandidate => {
    const accuracy = planAccuracy(c.graph, c.plan, evaluation);
    const floatLayers = Object.entries(c.plan.layerPrecision ?? {}).filter(([, p]) => p === 'float' || p === 'fp16').map(([l]) => l);
    const candidate: DoctorCandidate = {
      name: c.name, weightGranularity: c.plan.weightGranularity, rangeMethod: c.rangeMethod, equalization: c.equalization, biasCorrection: c.biasCorrection,
      floatLayers, accuracy, delta: 100 * (accuracy - floatAccuracy), modelBytes: planFootprint(c.graph, c.plan).modelBytes, withinBudget: accuracy >= target,
    };
    candidates.push(candidate);
    configs.set(c.name, c);
    return candidate;
  };
  const int8 = (granularity: 'per-channel' | 'per-tensor', ranges = minmax): QuantPlan => ({ defaultPrecision: 'int8', weightGranularity: granularity, activationRanges: ranges });

  const baseline = evaluate({ name: 'INT8 per-channel, min/max', graph, plan: int8('per-channel'), rangeMethod: 'min/max', equalization: false, biasCorrection: false });
  findings.push({ step: 'baseline', finding: `INT8 per-channel weights, min/max ranges: ${(100 * baseline.accuracy).toFixed(2)}% (${pts(baseline.accuracy)}); the budget asks for >= ${(100 * target).toFixed(2)}%: ${baseline.withinBudget ? 'met' : 'not met'}` });

  const methods = standardCalibrationMethods();
  const calibrations = compareCalibrations(graph, histograms, evaluation, { defaultPrecision: 'int8', weightGranularity: 'per-channel' }, methods);
  advance();
  const bestMethod = calibrations.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const bestMethodSpec = methods.find((m) => m.name === bestMethod.method)!;
  const tunedRanges = rangesFromHistograms(histograms, bestMethodSpec.method);
  let best = baseline;
  if (bestMethod.method !== 'min/max') {
    best = evaluate({ name: `INT8 per-channel, ${bestMethod.method}`, graph, plan: int8('per-channel', tunedRanges), rangeMethod: bestMethod.method, equalization: false, biasCorrection: false });
  }
  findings.push({ step: 'range tuning', finding: `best calibration method: ${bestMethod.method} (${pts(bestMethod.accuracy)}); worst: ${calibrations.reduce((a, b) => (b.accuracy < a.accuracy ? b : a)).method}` });

  const perTensor = row('INT8 per-tensor symmetric');
  const equalized = perTensor.accuracy < row('INT8 per-channel symmetric').accuracy - 0.002 ? equalizeCrossLayer(graph) : null;
  if (equalized !== null && equalized.pairs.length === 0) {
    findings.push({ step: 'equalization', finding: `per-tensor weights lose ${(100 * (row('INT8 per-channel symmetric').accuracy - perTensor.accuracy)).toFixed(2)} points against per-channel, but no layer pair can be equalized exactly (${equalized.skipped.map((p) => `${p.first} -> ${p.second}: ${p.reason.split(':')[0]}`).join('; ')}); keep per-channel weights` });
  } else if (equalized !== null) {
    const absorbed = absorbHighBias(equalized.graph);
    const ranges = rangesFromHistograms(calibrateImages(absorbed.graph, data.calibration), best === baseline ? undefined : bestMethodSpec.method);
    const cle = evaluate({ name: `INT8 per-tensor + CLE + high-bias absorption, ${best.rangeMethod}`, graph: absorbed.graph, plan: int8('per-tensor', ranges), rangeMethod: best.rangeMethod, equalization: true, biasCorrection: false });
    const channels = absorbed.pairs.reduce((n, p) => n + p.absorbed.filter((c) => c > 0).length, 0);
    findings.push({ step: 'equalization', finding: `per-tensor weights lose ${(100 * (row('INT8 per-channel symmetric').accuracy - perTensor.accuracy)).toFixed(2)} points against per-channel; cross-layer equalization (${equalized.pairs.length} pairs, ${equalized.skipped.length} skipped) with high-bias absorption (${channels} channels) brings per-tensor to ${pts(cle.accuracy)}` });
  } else {
    findings.push({ step: 'equalization', finding: 'per-tensor weights cost nothing measurable here (per-channel weight ranges are balanced): equalization not needed' });
  }
  advance();

  const bestConfig = configs.get(best.name)!;
  const analytical = correctBiasAnalytically(bestConfig.graph, bestConfig.plan);
  const empirical = correctBiasEmpirically(bestConfig.graph, bestConfig.plan, imageBatches(data.calibration));
  const bcAnalytical = evaluate({ ...bestConfig, name: `${best.name} + analytical bias correction`, graph: analytical.graph, biasCorrection: true });
  const bcEmpirical = evaluate({ ...bestConfig, name: `${best.name} + empirical bias correction`, graph: empirical.graph, biasCorrection: true });
  findings.push({ step: 'bias correction', finding: `analytical (from batch-norm statistics; ${analytical.corrections.length} layers corrected, ${analytical.skipped.length} without statistics): ${pts(bcAnalytical.accuracy)}; empirical (${empirical.corrections.length} layers): ${pts(bcEmpirical.accuracy)}; without: ${pts(best.accuracy)}` });
  for (const bc of [bcAnalytical, bcEmpirical]) if (bc.accuracy > best.accuracy) best = bc;
  advance();

  const chosen = configs.get(best.name)!;
  const layerwise = layerwiseError(chosen.graph, chosen.plan, imageBatches(firstImages(evaluation, 500)));
  const flaggedLayers = layerwise.rows
    .filter((r) => (r.local.rmse_over_scale ?? 0) > DEFAULT_RMSE_OVER_SCALE_THRESHOLD)
    .map((r) => ({ layer: r.name, rmseOverScale: r.local.rmse_over_scale!, sqnrDb: Number.isFinite(r.local.sqnr_db) ? r.local.sqnr_db : 999 }));
  findings.push({ step: 'layerwise', finding: flaggedLayers.length === 0 ? `no layer above rmse/scale ${DEFAULT_RMSE_OVER_SCALE_THRESHOLD}: every layer's error is close to pure rounding` : `above rmse/scale ${DEFAULT_RMSE_OVER_SCALE_THRESHOLD}: ${flaggedLayers.map((f) => `${f.layer} (${f.rmseOverScale.toFixed(2)})`).join(', ')}` });
  advance();

  let sensitivity: readonly SensitivityRow[] = [];
  let mixedPrecisionTrials: readonly MixedPrecisionTrial[] = [];
  if (!candidates.some((c) => c.withinBudget)) {
    const report = layerSensitivity(chosen.graph, chosen.plan, evaluation);
    sensitivity = report.rows;
    const search = searchMixedPrecision(chosen.graph, chosen.plan, evaluation, { budget, higher: options.higher, sensitivity: report });
    mixedPrecisionTrials = search.trials;
    const mixed = evaluate({ ...chosen, name: `${chosen.name}, ${search.promoted.join(', ') || 'no layer'} in ${options.higher ?? 'float'}`, plan: search.plan });
    findings.push({ step: 'mixed precision', finding: search.met ? `keeping ${search.promoted.join(', ')} in ${options.higher ?? 'float'} meets the budget: ${pts(mixed.accuracy)} after ${search.trials.length} trials` : search.note! });
  } else {
    findings.push({ step: 'mixed precision', finding: 'not needed: an all-integer configuration is within budget' });
  }
  advance();

  const within = candidates.filter((c) => c.withinBudget);
  const recommendation = within.length > 0
    ? [...within].sort((a, b) => a.floatLayers.length - b.floatLayers.length || extraSteps(a) - extraSteps(b) || a.modelBytes - b.modelBytes || b.accuracy - a.accuracy)[0]
    : [...candidates].sort((a, b) => b.accuracy - a.accuracy)[0];
  findings.push({ step: 'recommendation', finding: `${recommendation.name}: ${(100 * recommendation.accuracy).toFixed(2)}% (${pts(recommendation.accuracy)}), ${recommendation.modelBytes} bytes of weights${recommendation.withinBudget ? '' : `; NO configuration met the budget of >= ${(100 * target).toFixed(2)}%, this is the most accurate found`}` });
  advance();

  return {
    model: graph.name, calibrationImages: data.calibration.count, evaluationImages: evaluation.count, floatAccuracy, budget, target,
    schemes, calibrations, flaggedLayers, sensitivity, mixedPrecisionTrials, candidates, recommendation, findings,
  };
}

/** How many steps beyond plain min/max INT8 a candidate needs in deployment. */
function extraSteps(c: DoctorCandidate): number {
  return (c.rangeMethod === 'min/max' ? 0 : 1) + (c.equalization ? 1 : 0) + (c.biasCorrection ? 1 : 0);
}
