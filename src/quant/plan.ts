import type { Range } from '../range';
import type { RoundingProfile } from '../rounding';

/**
 * How one layer computes: `int8` (int8 weights and activations, int32 bias: TFLite's int8 spec), `int16` (int16
 * activations, int8 weights, int64 bias: TFLite's 16x8), `fp16` (weights and activations rounded to binary16), or
 * `float` (kept in float32: the float fallback).
 */
export type LayerPrecision = 'int8' | 'int16' | 'fp16' | 'float';

export const layerPrecisions: readonly LayerPrecision[] = ['int8', 'int16', 'fp16', 'float'];

/** Everything a quantized simulation needs, keyed by the user's layer and tensor names. */
export interface QuantPlan {
  /** Precision of layers not listed in `layerPrecision`. */
  readonly defaultPrecision: LayerPrecision;
  /** Per-layer overrides by node name (or alias). */
  readonly layerPrecision?: Readonly<Record<string, LayerPrecision>>;
  /** Weights: one scale per output channel (TFLite's int8 spec) or per tensor. */
  readonly weightGranularity: 'per-channel' | 'per-tensor';
  /** Weight bits; 8 by default, 4 for int4 weights. */
  readonly weightBits?: number;
  /**
   * Symmetric weights (zero point 0, narrow range [-(2^(b-1) - 1), 2^(b-1) - 1]: TFLite's int8 spec, the default)
   * or asymmetric (a zero point per channel, full range). The integer kernels and the QDQ export take symmetric
   * weights only; asymmetric ones are for simulation and comparison.
   */
  readonly weightSymmetric?: boolean;
  /** The calibrated range of each activation tensor, by node name or graph input name. */
  readonly activationRanges: ReadonlyMap<string, Range>;
  /** Rounding of the runtime to reproduce; 'tflite' by default. */
  readonly rounding?: RoundingProfile;
}
