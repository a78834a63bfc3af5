import { check, checkInt } from './errors';

/** Integer widths a scheme may use. */
export type Bits = 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16;

/** One scale for the whole tensor, or one scale per slice along `axis` (per-channel weights use the output axis). */
export type Granularity =
  | { readonly kind: 'per-tensor' }
  | { readonly kind: 'per-axis'; readonly axis: number };

/**
 * An integer quantization scheme: real value = scale * (q - zeroPoint), q in [qmin, qmax].
 * - `signed`: q in [-2^(bits-1), 2^(bits-1) - 1], else [0, 2^bits - 1].
 * - `narrowRange`: qmin is raised by one, so the grid is symmetric around the middle code (TFLite's int8 weights
 *   use [-127, 127]).
 * - `symmetric`: the zero point is fixed at the middle code, ceil((qmin + qmax) / 2): 0 for signed, 2^(bits-1)
 *   for unsigned; the range becomes [-a, a] with a = max(|min|, |max|).
 */
export interface IntScheme {
  readonly precision: 'int';
  readonly bits: Bits;
  readonly signed: boolean;
  readonly symmetric: boolean;
  readonly narrowRange: boolean;
  readonly granularity: Granularity;
}

/** IEEE binary16: no scale or zero point, values are rounded to the nearest half-precision number. */
export interface Fp16Scheme {
  readonly precision: 'fp16';
}

/** How one tensor is represented after quantization. */
export type QuantScheme = IntScheme | Fp16Scheme;

/** Options of {@link intScheme}; `axis` selects per-axis granularity. */
export interface IntSchemeOptions {
  bits: number;
  signed?: boolean;
  symmetric?: boolean;
  narrowRange?: boolean;
  axis?: number;
}

/**
 * Builds a validated integer scheme. Defaults: signed, asymmetric, full range, per tensor.
 * Throws when bits is not an integer in 2..16 or axis is not a non-negative integer.
 */
export function intScheme(options: IntSchemeOptions): IntScheme {
  const fn = 'intScheme';
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object with at least bits');
  checkInt(fn, 'bits', options.bits, 2, 16);
  for (const flag of ['signed', 'symmetric', 'narrowRange'] as const) {
    const v = options[flag];
    check(v === undefined || typeof v === 'boolean', fn, flag, v, 'a boolean or undefined');
  }
  if (options.axis !== undefined) checkInt(fn, 'axis', options.axis, 0, 31);
  return {
    precision: 'int',
    bits: options.bits as Bits,
    signed: options.signed ?? true,
    symmetric: options.symmetric ?? false,
    narrowRange: options.narrowRange ?? false,
    granularity: options.axis === undefined ? { kind: 'per-tensor' } : { kind: 'per-axis', axis: options.axis },
  };
}

/** The binary16 scheme. */
export const fp16: Fp16Scheme = { precision: 'fp16' };

/** TFLite int8 weights: signed, symmetric, narrow range [-127, 127], one scale per output channel on `axis`. */
export function int8Weights(axis: number): IntScheme {
  return intScheme({ bits: 8, signed: true, symmetric: true, narrowRange: true, axis });
}

/** TFLite int8 activations: signed, asymmetric, [-128, 127], per tensor. */
export const int8Activations: IntScheme = intScheme({ bits: 8, signed: true, symmetric: false });

/** TFLite 16x8 activations: signed 16-bit, symmetric (zero point 0), per tensor. */
export const int16Activations: IntScheme = intScheme({ bits: 16, signed: true, symmetric: true });

/** The integer codes a scheme can produce. */
export function quantRange(scheme: IntScheme): { readonly qmin: number; readonly qmax: number } {
  const full = scheme.signed
    ? { qmin: -(2 ** (scheme.bits - 1)), qmax: 2 ** (scheme.bits - 1) - 1 }
    : { qmin: 0, qmax: 2 ** scheme.bits - 1 };
  return scheme.narrowRange ? { qmin: full.qmin + 1, qmax: full.qmax } : full;
}

/** A short human-readable name, e.g. "int8 sym narrow per-axis(0)" or "fp16". */
export function schemeName(scheme: QuantScheme): string {
  if (scheme.precision === 'fp16') return 'fp16';
  const parts = [`${scheme.signed ? 'int' : 'uint'}${scheme.bits}`, scheme.symmetric ? 'sym' : 'asym'];
  if (scheme.narrowRange) parts.push('narrow');
  parts.push(scheme.granularity.kind === 'per-tensor' ? 'per-tensor' : `per-axis(${scheme.granularity.axis})`);
  return parts.join(' ');
}
