import { check } from '../errors';

/**
 * The int32 range and the checks the fixed-point routines share. Accumulators, multipliers and results all live in
 * C's int32_t; JS numbers hold every int32 exactly, so the routines take and return plain numbers.
 */

/** -2^31, C's INT32_MIN. */
export const INT32_MIN = -2147483648;

/** 2^31 - 1, C's INT32_MAX. */
export const INT32_MAX = 2147483647;

/**
 * Clamps an integer-valued number to [INT32_MIN, INT32_MAX]. Callers pass results of exact integer arithmetic;
 * NaN never reaches it and would be returned unchanged.
 */
export function saturateInt32(x: number): number {
  return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : x;
}

/** Checks that `value` is an integer in [INT32_MIN, INT32_MAX], naming the function and the argument on failure. */
export function checkInt32(fn: string, arg: string, value: unknown): asserts value is number {
  // checkInt would print the bounds as ten-digit decimals; naming the type reads better.
  check(Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX, fn, arg, value,
    'an int32 (an integer in -2^31..2^31-1)');
}
