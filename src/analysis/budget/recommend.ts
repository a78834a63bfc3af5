import type { StreamingHistogram } from '../../calibration/histogram';
import { histogramObserver } from '../../calibration/histogram_observer';
import { rangeMethods } from '../../calibration/methods';
import { CLAMP_ACTIVATIONS, type IntegerProfile } from '../../quant/integer/linear_layer';
import type { QuantPlan } from '../../quant/plan';
import type { TensorQParams } from '../../qparams';
import type { Range } from '../../range';
import type { ErrorSource } from '../../views/types';
import { signedBits } from './accumulator';
import { dotProductTerms, type FloatLayer } from './float_layer';
import type { BudgetSums } from './layer_budget';

/** A change to a plan that a recommendation can make, and its effect measured by re-running the budget. */
export type PlanChange =
  | { readonly kind: 'weight-granularity'; readonly granularity: 'per-channel' }
  | { readonly kind: 'weight-bits'; readonly bits: 8 }
  | { readonly kind: 'activation-range'; readonly tensor: string; readonly range: Range; readonly method: 'min/max' | 'mse' | 'percentile' }
  | { readonly kind: 'layer-precision'; readonly layer: string; readonly precision: 'int16' };

/** One plan change and the layer's total MSE before and after it (after: null when it was not measured). */
export interface MeasuredChange {
  readonly change: PlanChange;
  readonly description: string;
  readonly before: number;
  readonly after: number | null;
}

/** What to do about a layer's error, from its dominant source. */
export interface Recommendation {
  readonly source: ErrorSource | null;
  /** The finer cause: e.g. 'input clipping', 'output rounding', 'weights'. */
  readonly cause: string;
  readonly text: string;
  /** The plan changes it suggests (none for the accumulator, requantization, or graph changes like equalization). */
  readonly changes: readonly MeasuredChange[];
}

/**
 * The plan with one change applied; never mutates `plan`. Weight changes apply to every layer (a plan has one weight
 * granularity); a range change to every consumer of the tensor; a precision change to the one layer.
 */
export function applyPlanChange(plan: QuantPlan, change: PlanChange): QuantPlan {
  switch (change.kind) {
    case 'weight-granularity': return { ...plan, weightGranularity: change.granularity };
    case 'weight-bits': return { ...plan, weightBits: change.bits };
    case 'activation-range': return { ...plan, activationRanges: new Map([...plan.activationRanges, [change.tensor, change.range]]) };
    case 'layer-precision': return { ...plan, layerPrecision: { ...plan.layerPrecision, [change.layer]: change.precision } };
  }
}

/** What {@link recommend} looks at for one layer. */
export interface RecommendationContext {
  readonly float: FloatLayer;
  readonly precision: 'int8' | 'int16';
  readonly plan: QuantPlan;
  readonly profile: IntegerProfile;
  readonly sums: BudgetSums;
  readonly parts: Readonly<Record<ErrorSource, number>>;
  readonly dominant: ErrorSource | null;
  readonly interaction: number;
  readonly accumulatorBits: number;
  /** Whether the layer could run as 16x8 with the budget's accumulator width. */
  readonly int16Allowed: boolean;
  /** The input's range tensor (its key in plan.activationRanges), grid, and the values the layer saw. */
  readonly input: { readonly tensor: string; readonly grid: TensorQParams; readonly range: Range; readonly seen: StreamingHistogram };
  readonly output: { readonly grid: TensorQParams; readonly range: Range; readonly seen: StreamingHistogram };
}

const METHOD_NAMES = { mse: 'MSE', percentile: '99.9th-percentile' } as const;
const g = (x: number) => Number(x.toPrecision(3)).toString();
const percent = (x: number) => `${Number((100 * x).toPrecision(2))}%`;
const rangeText = (r: Range) => `[${g(r.min)}, ${g(r.max)}]`;

/**
 * A recommendation from the dominant source: weights → per-channel weights (or 8-bit weights, cross-layer
 * equalization, bias correction); input or output clipping → the observed min/max range; rounding → a narrower
 * range (MSE, else 99.9th percentile) or int16 activations; accumulator → the width the largest sum needs, or
 * shorter dot products; requantization → a note on the profile's arithmetic; bias → a wider weight scale or a 16x8
 * layer. `changes` lists the plan changes, not yet measured.
 */
export function recommend(ctx: RecommendationContext): { source: ErrorSource | null; cause: string; text: string; changes: { change: PlanChange; description: string }[] } {
  const { dominant, sums, plan } = ctx;
  const int16 = ctx.int16Allowed ? [{ change: { kind: 'layer-precision', layer: ctx.float.node.name, precision: 'int16' } as const, description: 'int16 activations (16x8) for this layer' }] : [];
  const interacts = ctx.interaction > Math.max(...Object.values(ctx.parts))
    ? ` The sources interact: the total exceeds the sum of the parts by ${g(ctx.interaction)}.` : '';
  const out = (cause: string, text: string, changes: { change: PlanChange; description: string }[] = []) =>
    ({ source: dominant, cause, text: text + interacts, changes });
  switch (dominant) {
    case null:
      return out('none', sums.total === 0 ? 'No error: every source is exact on these batches.' : 'No single source: the error comes from the sources together.');
    case 'weights': {
      const bits = plan.weightBits ?? 8;
      if (plan.weightGranularity === 'per-tensor') {
        return out('weights', `Weights dominate: one scale serves output channels whose ranges differ up to ${g(channelSpread(ctx.float))}x (largest / median max|w|), so the narrower channels round coarsely. Use per-channel weights.`,
          [{ change: { kind: 'weight-granularity', granularity: 'per-channel' }, description: 'per-channel weights' }]);
      }
      if (bits < 8) {
        return out('weights', `Weights dominate at ${bits} bits per weight. Use 8-bit weights, or equalize the channel ranges across layers (equalizeCrossLayer).`,
          [{ change: { kind: 'weight-bits', bits: 8 }, description: '8-bit weights' }]);
      }
      return out('weights', 'Weights dominate even per channel: equalize the channel ranges across layers (equalizeCrossLayer), correct the bias (correctBiasEmpirically), or keep this layer in float.');
    }
    case 'input':
    case 'output': {
      const side = dominant === 'input' ? ctx.input : ctx.output;
      const tensor = dominant === 'input' ? ctx.input.tensor : ctx.float.node.name;
      const clipping = dominant === 'input' ? sums.inputClipping : sums.outputClipping;
      const rounding = dominant === 'input' ? sums.inputRounding : sums.outputRounding;
      const clipped = dominant === 'input' ? sums.inputClipped / sums.inputElements : sums.outputClipped / sums.elements;
      const seen = { min: side.seen.min, max: side.seen.max };
      if (clipping >= rounding) {
        const widened = { min: Math.min(side.range.min, seen.min), max: Math.max(side.range.max, seen.max) };
        return out(`${dominant} clipping`, `${capital(dominant)} clipping dominates: ${percent(clipped)} of the ${dominant} values lie outside the range ${rangeText(side.range)} (seen: ${rangeText(seen)}). Widen the range (min/max calibration) or use a calibration method that keeps the tails.`,
          [{ change: { kind: 'activation-range', tensor, range: widened, method: 'min/max' }, description: `${dominant} range ${rangeText(widened)} (min/max)` }]);
      }
      const narrower = narrowerRange(side.seen, side.range, ctx.precision);
      const changes: { change: PlanChange; description: string }[] = narrower
        ? [{ change: { kind: 'activation-range', tensor, range: narrower.range, method: narrower.method }, description: `${dominant} range ${rangeText(narrower.range)} (${METHOD_NAMES[narrower.method]})` }] : [];
      const narrow = narrower ? `narrow the range (${METHOD_NAMES[narrower.method]} calibration picks ${rangeText(narrower.range)})` : 'neither MSE nor 99.9th-percentile calibration narrows the range';
      return out(`${dominant} rounding`, `${capital(dominant)} rounding dominates (step ${g(side.grid.scale)} over the range ${rangeText(side.range)}): ${narrow}${ctx.int16Allowed ? ', or use int16 activations' : ''}.`,
        [...changes, ...int16]);
    }
    case 'accumulator': {
      const needed = signedBits(sums.accumulatorMin, sums.accumulatorMax);
      const terms = dotProductTerms(ctx.float);
      const seen = sums.overflows > 0
        ? `${sums.overflows} of ${sums.elements} sums left the ${ctx.accumulatorBits}-bit accumulator and wrapped around; the largest needs ${needed} bits`
        : `the exact sums of the float operands exceed the ${ctx.accumulatorBits}-bit accumulator (the integer sums, of clipped inputs, fit)`;
      return out('accumulator', `Accumulator overflow dominates: ${seen}. Accumulate in ${Math.max(needed, ctx.accumulatorBits + 1)} bits or more, or shorten the ${terms}-term dot products (fewer input channels per layer).`);
    }
    case 'requantization':
      return out('requantization', `Requantization dominates: ${profileNote(ctx)}`);
    case 'bias':
      return out('bias', `Bias quantization dominates: the bias step s_in · s_w is coarse next to the bias values. Widen the weight scales of large-bias channels (adjustWeightScalesForBias, TFLite's remedy)${ctx.int16Allowed ? ', or run the layer as 16x8 with an int64 bias' : ''}.`, int16);
  }
}

function profileNote(ctx: RecommendationContext): string {
  if (ctx.precision === 'int16') return "TFLite's 16x8 kernels keep only 15 bits of the output multiplier (a relative error up to 2^-16); no plan change helps, a runtime with a 32-bit multiplier does.";
  if (!CLAMP_ACTIVATIONS.has(ctx.float.op.activation)) return 'the float epilogue converts the accumulators with a float32 scale; this is float32 rounding, not a plan problem.';
  if (ctx.profile === 'onnxruntime') return 'ONNX Runtime converts the accumulators to float32 (exact only below 2^24) and multiplies by a float32 scale; shorter dot products or smaller accumulators keep it exact.';
  return "TFLite's multiplier is exact to 2^-31 unless QuantizeMultiplier flushed it to 0 or saturated it (a scale ratio s_in · s_w / s_out below 2^-32 or above 2^30): check this layer's input and output ranges.";
}

/**
 * A range narrower than `current` (by 1% of its span or more) for the observed values: the MSE-optimal one for the
 * layer's grid, else the 99.9th percentile (the MSE range keeps a single far outlier unless the tensor has about a
 * million values, since clipping it costs its whole square). Null when neither narrows.
 */
function narrowerRange(h: StreamingHistogram, current: Range, precision: 'int8' | 'int16'): { range: Range; method: 'mse' | 'percentile' } | null {
  const methods = [
    { method: 'mse' as const, pick: precision === 'int8' ? rangeMethods.mse({ levels: 255 }) : rangeMethods.mse({ levels: 65535, symmetric: true }) },
    { method: 'percentile' as const, pick: rangeMethods.percentile(99.9) },
  ];
  for (const { method, pick } of methods) {
    const range = histogramObserver({ method: pick }).range(h);
    if (range.max - range.min < 0.99 * (current.max - current.min)) return { range, method };
  }
  return null;
}

/** Largest over median of the output channels' max |w|. */
function channelSpread(f: FloatLayer): number {
  const w = f.op.kind === 'dense' ? f.op.kernel : f.op.filter;
  const amax = new Float64Array(f.channels);
  for (let i = 0; i < w.data.length; i++) amax[i % f.channels] = Math.max(amax[i % f.channels], Math.abs(w.data[i]));
  const sorted = Array.from(amax).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return median > 0 ? sorted[sorted.length - 1] / median : Infinity;
}

function capital(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
