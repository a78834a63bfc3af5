/** A closed real interval [min, max] that a tensor is quantized over. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** One range per slice of a tensor along `axis` (per-channel calibration). */
export interface ChannelRanges {
  readonly axis: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
}
