/**
 * Errors raised on bad input. Every message names the function, the argument, the value received and what was
 * expected, so a user can find the mistake without reading the library.
 */
export class QuantscopeArgumentError extends Error {
  constructor(
    readonly fn: string,
    readonly arg: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${fn}: argument '${arg}' was ${describeValue(value)}; expected ${expected}`);
    this.name = 'QuantscopeArgumentError';
  }
}

/** A short, readable rendering of a received value for error messages (arrays and objects are summarized). */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined || value === null || typeof value === 'boolean') return String(value);
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a ${typeof value}`;
}

/** Throws a {@link QuantscopeArgumentError} unless `ok`. */
export function check(ok: boolean, fn: string, arg: string, value: unknown, expected: string): asserts ok {
  if (!ok) throw new QuantscopeArgumentError(fn, arg, value, expected);
}

/** Checks that `value` is an integer in [lo, hi]. */
export function checkInt(fn: string, arg: string, value: unknown, lo: number, hi: number): asserts value is number {
  check(Number.isInteger(value) && (value as number) >= lo && (value as number) <= hi, fn, arg, value,
    `an integer in ${lo}..${hi}`);
}

/** Checks that `value` is a finite number. */
export function checkFinite(fn: string, arg: string, value: unknown): asserts value is number {
  check(typeof value === 'number' && Number.isFinite(value), fn, arg, value, 'a finite number');
}

/**
 * Checks that data holds at least one element and only finite values; the error names the first offending index.
 * A NaN or Inf reaching a range computation would silently poison every scale downstream.
 */
export function checkFiniteData(fn: string, arg: string, data: ArrayLike<number>): void {
  if (data.length === 0) throw new QuantscopeArgumentError(fn, arg, data, 'a non-empty tensor');
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly when v is NaN or +-Inf; one comparison keeps the scan cheap.
    if (v - v !== 0) {
      throw new QuantscopeArgumentError(fn, arg, data,
        `finite values, found ${v} at index ${i}`);
    }
  }
}
