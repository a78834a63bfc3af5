import * as tf from '@tensorflow/tfjs-core';
import { imageBatches, planAccuracy } from '../analysis/accuracy';
import { compareCalibrations, standardCalibrationMethods, type CalibrationMethodSpec } from '../analysis/calibrations';
import { errorBudget, type ErrorBudgetOptions } from '../analysis/error_budget';
import { layerwiseError } from '../analysis/layerwise';
import { compareSchemes, planFootprint, standardSchemes, type SchemeSpec } from '../analysis/schemes';
import { layerSensitivity, type SensitivityReport } from '../analysis/sensitivity';
import type { StreamingHistogram } from '../calibration/histogram';
import { firstImages, type ImageSet } from '../data/fashion_mnist';
import { doctor, type DoctorOptions } from '../doctor/doctor';
import { doctorDisplay, type DoctorDisplay } from '../doctor/doctor_report';
import { check, checkFinite } from '../errors';
import { createExecutor } from '../graph/execute';
import { isWeightedLayer, requireNode, type Graph } from '../graph/ir';
import { equalizeCrossLayer } from '../fixes/equalize';
import { quantizationAwareTraining, type QatOptions, type QatResult } from '../fixes/qat';
import { searchMixedPrecision, type MixedPrecisionOptions, type MixedPrecisionResult } from '../fixes/mixed_precision';
import { calibrateImages, rangesFromHistograms } from '../quant/calibrate_graph';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import { layerPrecisions, type LayerPrecision, type QuantPlan } from '../quant/plan';
import { activationParamsLookup, precisionLookup } from '../quant/plan_params';
import type { Range } from '../range';
import { int16Activations, int8Activations, quantRange } from '../scheme';
import { calibrationView } from '../views/calibration_view';
import { distributionView } from '../views/distribution_view';
import { fmt, pct, tableDisplay, type Displayable, type TableDisplay } from '../views/display';
import { activationRanges, weightChannelRanges, type TensorRange, type WeightChannelRanges } from '../analysis/dynamic_range';
import { equalizationView } from '../views/equalization_view';
import { layerwiseView } from '../views/layerwise_view';
import { calibrationMethodsView, schemesView } from '../views/schemes_view';
import { errorBudgetView } from '../views/error_budget_view';
import type { ErrorBudgetView, CalibrationView, DistributionView, EqualizationView, LayerwiseEvaluation, LayerwiseView, SchemesView } from '../views/types';

/** The images a session calibrates on and evaluates with. */
export interface SessionData {
  readonly calibration: ImageSet;
  readonly evaluation: ImageSet;
}

/** Makes a progress report for `total` steps; the kernel's `progress` helper is one. */
export type ProgressFactory = (total: number, label: string) => { update(done: number): void };

/** Everything of a plan but its ranges and per-layer precision, which the session manages. */
export type PlanSettings = Omit<QuantPlan, 'activationRanges' | 'layerPrecision'>;

export interface SessionOptions {
  readonly settings?: Partial<PlanSettings>;
  /** How activation ranges come from the calibration histograms: min/max by default. */
  readonly rangeMethod?: CalibrationMethodSpec;
  readonly progress?: ProgressFactory;
  /** Images per batch (default 100). */
  readonly batchSize?: number;
}

export const DEFAULT_SETTINGS: PlanSettings = { defaultPrecision: 'int8', weightGranularity: 'per-channel' };

/**
 * One model under study in a notebook: its graph, calibration and evaluation images, the calibration histograms
 * (collected once, on first use) and the quantization plan being edited (per-layer precision, ranges). Every
 * analysis returns a displayable view; interactive views carry the handlers their widgets call.
 */
export class QuantSession {
  readonly graph: Graph;
  readonly data: SessionData;
  readonly settings: PlanSettings;
  private readonly options: SessionOptions;
  private histogramCache: Map<string, StreamingHistogram> | null;
  private readonly precisions = new Map<string, LayerPrecision>();
  private readonly rangeOverrides = new Map<string, Range>();
  private rangeMethod: CalibrationMethodSpec;
  private floatAccuracyCache: number | null = null;

  constructor(graph: Graph, data: SessionData, options: SessionOptions = {}, histograms: Map<string, StreamingHistogram> | null = null) {
    const fn = 'quantSession';
    check(typeof graph === 'object' && graph !== null && Array.isArray(graph.nodes), fn, 'graph', graph, 'a Graph (from q.loadModel or an importer)');
    for (const key of ['calibration', 'evaluation'] as const) {
      const set = data?.[key];
      check(set !== undefined && set.count > 0, fn, `data.${key}`, set?.count ?? set, 'a non-empty ImageSet');
      const input = graph.inputs[0].shape;
      check(input.length !== 4 || (input[1] === set.height && input[2] === set.width), fn, `data.${key}`, `${set.height}x${set.width} images`,
        `images of ${input[1]}x${input[2]}, the input '${graph.inputs[0].name}' of graph '${graph.name}'`);
    }
    this.graph = graph;
    this.data = data;
    this.options = options;
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.rangeMethod = options.rangeMethod ?? { name: 'min/max', method: undefined };
    this.histogramCache = histograms;
  }

  /** The calibration histograms of every tensor (collected on first use, with progress). */
  histograms(): ReadonlyMap<string, StreamingHistogram> {
    if (this.histogramCache === null) {
      const set = this.data.calibration;
      const bar = this.options.progress?.(set.count, `calibrating ${this.graph.name}`);
      this.histogramCache = calibrateImages(this.graph, set, { batchSize: this.batchSize, onBatch: (p) => bar?.update(p.samples) });
    }
    return this.histogramCache;
  }

  /** The plan as edited so far: settings, per-layer precision, the range method's ranges with any overrides. */
  get plan(): QuantPlan {
    const ranges = rangesFromHistograms(this.histograms(), this.rangeMethod.method);
    for (const [tensor, r] of this.rangeOverrides) ranges.set(tensor, r);
    return { ...this.settings, layerPrecision: Object.fromEntries(this.precisions), activationRanges: ranges };
  }

  /** Keeps `layer` at `precision` ('float' is the float fallback). */
  setPrecision(layer: string, precision: LayerPrecision): this {
    check(layerPrecisions.includes(precision), 'setPrecision', 'precision', precision, layerPrecisions.join(', '));
    this.precisions.set(requireNode(this.graph, layer, 'setPrecision').name, precision);
    return this;
  }

  /** Sets one tensor's activation range (overrides the range method). */
  setRange(tensor: string, range: Range): this {
    const name = this.tensorName(tensor, 'setRange');
    checkFinite('setRange', 'range.min', range?.min);
    checkFinite('setRange', 'range.max', range?.max);
    check(range.min <= range.max, 'setRange', 'range', `${range.min}..${range.max}`, 'min <= max');
    this.rangeOverrides.set(name, { min: range.min, max: range.max });
    return this;
  }

  /** Derives every range (but overrides) with another method, e.g. `{ name: 'entropy', method: q.rangeMethods.entropy() }`. */
  useRangeMethod(spec: CalibrationMethodSpec): this {
    this.rangeMethod = spec;
    return this;
  }

  /** Layers currently kept at float or fp16. */
  floatLayers(): string[] {
    const precisionOf = precisionLookup(this.graph, this.plan, 'floatLayers');
    return this.graph.nodes.filter((n) => isWeightedLayer(n) && ['float', 'fp16'].includes(precisionOf(n))).map((n) => n.name);
  }

  floatAccuracy(): number {
    this.floatAccuracyCache ??= planAccuracy(this.graph, null, this.data.evaluation);
    return this.floatAccuracyCache;
  }

  /** Accuracy (0..1) of the evaluation images under `plan` (the session's plan by default). */
  accuracy(plan: QuantPlan = this.plan): number {
    return planAccuracy(this.graph, plan, this.data.evaluation);
  }

  /** Accuracy of the model under each scheme (FP32, FP16, INT8 variants, 16x8, INT4), side by side. */
  schemes(options: { fallback?: readonly string[]; schemes?: readonly SchemeSpec[] } = {}): Displayable<SchemesView> {
    const ranges = this.plan.activationRanges;
    const specs = options.schemes ?? standardSchemes(options.fallback ?? []);
    const bar = this.options.progress?.(specs.length, 'schemes');
    let done = 0;
    const rows = compareSchemes(this.graph, ranges, this.data.evaluation, specs, { onScheme: () => bar?.update(++done) });
    return schemesView(this.graph.name, this.data.evaluation.count, rows);
  }

  /** Accuracy under each calibration method (min/max, percentiles, entropy, MSE, L2), same histograms. */
  calibrationMethods(methods?: readonly CalibrationMethodSpec[]): Displayable<SchemesView> {
    const { activationRanges: _, ...plan } = this.plan;
    const rows = compareCalibrations(this.graph, this.histograms(), this.data.evaluation, plan, methods ?? standardCalibrationMethods());
    return calibrationMethodsView(this.graph.name, this.data.evaluation.count, rows, planFootprint(this.graph, this.plan));
  }

  /**
   * Layerwise error of the session's plan over `samples` evaluation images (default all). Its widget can ask for a
   * layer's distribution and change a layer's precision (the model is re-evaluated).
   */
  layerwise(options: { samples?: number; threshold?: number } = {}): Displayable<LayerwiseView> {
    const set = this.subset(this.data.evaluation, options.samples);
    const bar = this.options.progress?.(set.count, 'layerwise error');
    const report = layerwiseError(this.graph, this.plan, imageBatches(set, this.batchSize), { onBatch: (n) => bar?.update(n) });
    return layerwiseView(report, {
      histograms: this.histograms(),
      threshold: options.threshold,
      floatAccuracy: this.floatAccuracy(),
      quantAccuracy: this.accuracy(),
      handlers: {
        distribution: (request) => this.distribution(stringArg(request, 'layer', 'distribution')).view,
        'set-precision': (request): LayerwiseEvaluation => {
          const precision = stringArg(request, 'precision', 'set-precision') as LayerPrecision;
          this.setPrecision(stringArg(request, 'layer', 'set-precision'), precision);
          const accuracy = this.accuracy();
          return { accuracy, delta: 100 * (accuracy - this.floatAccuracy()), floatLayers: this.floatLayers() };
        },
      },
    });
  }

  /**
   * One tensor's calibration histogram with the range each method picks. Its widget recomputes the error of any range
   * in the browser; `evaluate` measures the model's accuracy with a range, `apply` sets it in the session.
   */
  calibration(tensor: string): Displayable<CalibrationView> {
    const name = this.tensorName(tensor, 'calibration');
    const h = this.histograms().get(name)!;
    const int16 = this.precisionOfTensor(name) === 'int16';
    const rangeArg = (request: Readonly<Record<string, unknown>>, action: string): Range => {
      const min = request.min;
      const max = request.max;
      if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || min > max) {
        throw new Error(`${action}: min and max must be finite numbers with min <= max; got ${JSON.stringify(min)}, ${JSON.stringify(max)}`);
      }
      return { min, max };
    };
    return calibrationView(name, h, {
      bits: int16 ? 16 : 8,
      symmetric: int16,
      current: this.plan.activationRanges.get(name)!,
      handlers: {
        evaluate: (request) => {
          const range = rangeArg(request, 'evaluate');
          const plan = this.plan;
          const ranges = new Map(plan.activationRanges).set(name, range);
          const accuracy = this.accuracy({ ...plan, activationRanges: ranges });
          return { range, accuracy, delta: 100 * (accuracy - this.floatAccuracy()) };
        },
        apply: (request) => {
          const range = rangeArg(request, 'apply');
          this.setRange(name, range);
          return { applied: range };
        },
      },
    });
  }

  /** Float and quantized values of one tensor (on up to `samples` calibration images) with its clip range. */
  distribution(tensor: string, samples = 100): Displayable<DistributionView> {
    const name = this.tensorName(tensor, 'distribution');
    const plan = this.plan;
    const set = this.subset(this.data.calibration, samples);
    const values = (executor: { run: ReturnType<typeof createExecutor>['run']; dispose(): void }): Float32Array => {
      const parts: Float32Array[] = [];
      try {
        for (const x of imageBatches(set, this.batchSize)) {
          const isInput = name === this.graph.inputs[0].name;
          if (isInput) parts.push(x.dataSync() as Float32Array);
          tf.dispose(executor.run(x, isInput ? {} : { taps: [name], onTap: (_n, y) => parts.push(y.dataSync() as Float32Array) }));
          x.dispose();
        }
      } finally {
        executor.dispose();
      }
      return concat(parts);
    };
    const float = values(createExecutor(this.graph));
    const quant = values(createFakeQuantExecutor(this.graph, plan));
    const precision = this.precisionOfTensor(name);
    let grid = null;
    if (precision === 'int8' || precision === 'int16') {
      const qp = activationParamsLookup(this.graph, plan, 'distribution')(name, precision);
      const scheme = precision === 'int8' ? int8Activations : int16Activations;
      const { qmin, qmax } = quantRange(scheme);
      grid = { clip: { min: (qmin - qp.zeroPoint) * qp.scale, max: (qmax - qp.zeroPoint) * qp.scale }, scale: qp.scale, zeroPoint: qp.zeroPoint, bits: scheme.bits };
    }
    return distributionView(name, float, quant, grid);
  }

  /** Per-layer sensitivity: accuracy with one layer quantized alone, and with one layer kept in float. */
  sensitivity(layers?: readonly string[]): TableDisplay<SensitivityReport> {
    const plan = this.plan;
    const targets = layers ?? this.graph.nodes.filter(isWeightedLayer).map((n) => n.name);
    const bar = this.options.progress?.(this.data.evaluation.count, `sensitivity of ${targets.length} layers`);
    const report = layerSensitivity(this.graph, plan, this.data.evaluation, { layers: targets, onBatch: (n) => bar?.update(n) });
    return tableDisplay(`Sensitivity of ${this.graph.name}`, report, {
      header: ['layer', 'op', 'accuracy, only it quantized', 'points lost', 'accuracy, only it in float', 'points recovered'],
      rows: report.rows.map((r) => [r.layer, r.op, pct(r.quantizedAlone), fmt(r.lossAlone, 2), pct(r.floatAlone), fmt(r.recovery, 2)]),
      notes: [`float ${pct(report.floatAccuracy)}, all quantized ${pct(report.quantizedAccuracy)}; most sensitive first`],
    });
  }

  /** Searches the layers to keep in higher precision until the accuracy is within `budget`; applies the result. */
  mixedPrecision(options: MixedPrecisionOptions): TableDisplay<MixedPrecisionResult> {
    // At most one trial per promotion and one per demotion of each weighted layer, plus the start.
    const bound = 1 + 2 * this.graph.nodes.filter(isWeightedLayer).length;
    const bar = this.options.progress?.(bound, 'mixed-precision search');
    const result = searchMixedPrecision(this.graph, this.plan, this.data.evaluation, { ...options, onTrial: (t) => { bar?.update(t.step + 1); options.onTrial?.(t); } });
    bar?.update(bound);
    for (const layer of result.promoted) this.setPrecision(layer, options.higher ?? 'float');
    return tableDisplay(`Mixed-precision search on ${this.graph.name}`, result, {
      header: ['step', 'move', 'layer', 'layers promoted', 'accuracy', 'delta (points)', 'within budget', 'kept'],
      rows: result.trials.map((t) => [t.step, t.move, t.layer ?? '-', t.promoted.length, pct(t.accuracy), fmt(t.delta, 2), t.withinBudget ? 'yes' : 'no', t.kept ? 'yes' : 'no']),
      notes: [result.met ? `budget met (accuracy >= ${pct(result.target)}) with ${result.promoted.join(', ') || 'no layer'} in ${options.higher ?? 'float'}: ${pct(result.accuracy)}` : result.note!],
    });
  }

  /** Dynamic range of every activation (min, max, percentiles) on the calibration data. */
  activationRanges(): TableDisplay<TensorRange[]> {
    const ranges = activationRanges(this.histograms());
    return tableDisplay(`Activation ranges of ${this.graph.name}`, ranges, {
      header: ['tensor', 'min', 'p0.01', 'p99.99', 'max'],
      rows: ranges.map((r) => [r.tensor, fmt(r.min, 4), fmt(r.p0_01, 4), fmt(r.p99_99, 4), fmt(r.max, 4)]),
      notes: [`${this.data.calibration.count} calibration images`],
    });
  }

  /** Per-output-channel weight ranges of each weighted layer, and their spread (max/min of the channels' max |w|). */
  weightRanges(): TableDisplay<WeightChannelRanges[]> {
    const ranges = weightChannelRanges(this.graph);
    return tableDisplay(`Weight ranges of ${this.graph.name}`, ranges, {
      header: ['layer', 'op', 'channels', 'min', 'max', 'channel spread'],
      rows: ranges.map((r) => [r.layer, r.op, r.min.length, fmt(Math.min(...r.min), 4), fmt(Math.max(...r.max), 4), fmt(r.spread, 1)]),
      notes: ['channel spread above ~10 is where per-tensor weights lose resolution: use per-channel weights or equalization'],
    });
  }

  /**
   * Cross-layer equalization (Nagel et al. 2019) of the graph: a new session on the equalized graph (recalibrated:
   * equalization changes the activation ranges), and the view of per-channel weight ranges before and after,
   * with the accuracy of this session's plan before and after.
   */
  equalize(options: Parameters<typeof equalizeCrossLayer>[1] = {}): { session: QuantSession; view: Displayable<EqualizationView> } {
    const result = equalizeCrossLayer(this.graph, options);
    const session = new QuantSession(result.graph, this.data, { ...this.options, settings: this.settings, rangeMethod: this.rangeMethod });
    for (const [layer, p] of this.precisions) session.setPrecision(layer, p);
    const view = equalizationView(this.graph.name, result, { before: this.accuracy(), after: session.accuracy() });
    return { session, view };
  }

  /**
   * Where each layer's error comes from (weights, input, bias, accumulator, requantization, output rounding), on up
   * to `samples` calibration images (default 256), with a recommendation per layer and its measured effect.
   */
  errorBudget(options: Omit<ErrorBudgetOptions, 'onBatch'> & { samples?: number } = {}): Displayable<ErrorBudgetView> {
    const set = this.subset(this.data.calibration, options.samples ?? 256);
    const passes = options.measure === false ? 1 : 2;
    const bar = this.options.progress?.(passes * set.count, 'error budget');
    const batches = [...imageBatches(set, this.batchSize)];
    try {
      const report = errorBudget(this.graph, this.plan, batches, { ...options, onBatch: (p) => bar?.update((p.pass === 'budget' ? 0 : set.count) + p.samples) });
      return errorBudgetView(report);
    } finally {
      tf.dispose(batches);
    }
  }

  /**
   * Quantization-aware training from this session's plan (post-training quantization is epoch 0): fine-tunes on
   * `train` with fake quantization and a straight-through estimator, keeps the checkpoint with the best accuracy on
   * `validation`, and returns a new session on the trained graph (same plan settings and precisions), with the
   * history. Pass the kernel's `kernel.signal` as `signal` so an interrupt stops it between batches.
   */
  async qat(train: ImageSet, options: Omit<QatOptions, 'onProgress'>): Promise<{ session: QuantSession; result: TableDisplay<QatResult> }> {
    const plan = this.plan;
    const batches = Math.ceil(train.count / (options.batchSize ?? 32));
    const bar = this.options.progress?.(options.epochs * batches, 'quantization-aware training');
    const result = await quantizationAwareTraining(this.graph, plan, train, { ...options, onProgress: (p) => bar?.update((p.epoch - 1) * batches + p.batch) });
    const session = new QuantSession(result.graph, this.data, { ...this.options, settings: this.settings, rangeMethod: this.rangeMethod }, this.histogramCache);
    for (const [layer, p] of this.precisions) session.setPrecision(layer, p);
    for (const [tensor, r] of this.rangeOverrides) session.setRange(tensor, r);
    return {
      session,
      result: tableDisplay(`Quantization-aware training of ${this.graph.name}`, result, {
        header: ['epoch', 'training loss', 'validation accuracy', 'kept'],
        rows: [
          [0, '-', pct(result.ptqAccuracy), result.best.epoch === 0 ? 'best' : ''],
          ...result.history.map((e) => [e.epoch, fmt(e.loss, 4), pct(e.valAccuracy), e.epoch === result.best.epoch ? 'best' : '']),
        ],
        notes: [`epoch 0 is post-training quantization (${pct(result.ptqAccuracy)} on ${options.validation.count} validation images); the best epoch is kept`],
      }),
    };
  }

  /** The quantization doctor on this session's model, data and histograms (see `doctor`); displays its findings. */
  doctor(options: Omit<DoctorOptions, 'progress' | 'histograms'> = {}): DoctorDisplay {
    return doctorDisplay(doctor(this.graph, this.data, { ...options, histograms: this.histograms(), progress: this.options.progress }));
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 100;
  }

  private subset(set: ImageSet, samples: number | undefined): ImageSet {
    return samples === undefined ? set : firstImages(set, samples);
  }

  /** A layer or graph-input name resolved to the calibrated tensor name. */
  private tensorName(tensor: string, fn: string): string {
    if (this.graph.inputs.some((i) => i.name === tensor)) return tensor;
    return requireNode(this.graph, tensor, fn).name;
  }

  /** The precision of the grid a tensor is on: its producer's (the input takes its first consumer's). */
  private precisionOfTensor(name: string): LayerPrecision {
    const precisionOf = precisionLookup(this.graph, this.plan, 'QuantSession');
    const producer = this.graph.nodes.find((n) => n.name === name) ?? this.graph.nodes.find((n) => n.inputs.includes(name));
    return producer ? precisionOf(producer) : this.settings.defaultPrecision;
  }
}

/** Starts a session on a model and its calibration and evaluation images. */
export function quantSession(graph: Graph, data: SessionData, options: SessionOptions = {}): QuantSession {
  return new QuantSession(graph, data, options);
}

function stringArg(request: Readonly<Record<string, unknown>>, key: string, action: string): string {
  const v = request[key];
  if (typeof v !== 'string' || v === '') throw new Error(`${action}: argument '${key}' was ${JSON.stringify(v ?? null)}; expected a layer name`);
  return v;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
