/**
 * fma(a, b, c) of float32 values rounded once to float32, as x86's vfmadd*ps does (MLAS's AVX2/FMA3 kernels).
 * a · b is exact in a double (48 significant bits); a · b + c rounded to a double and then to float32 rounds twice,
 * wrongly only when the double lands exactly halfway between two float32s: TwoSum's error term then tells which
 * side of that midpoint the exact sum lies on.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s) return r;
  const bp = s - c;
  const err = (p - bp) + (c - (s - bp));
  if (err === 0) return r;
  const other = 2 * s - r;
  if (Math.fround(other) !== other) return r;
  // s is the midpoint of r and other: the exact sum lies on err's side of it.
  return (err > 0) === (other > r) ? other : r;
}
