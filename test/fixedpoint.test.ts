import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  INT32_MAX, INT32_MIN, mlasRequantizeOutput, multiplyByQuantizedMultiplierDoubleRounding,
  multiplyByQuantizedMultiplierSingleRounding, quantizeMultiplier, quantizeMultiplierArray, requantize,
  roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from '../src/fixedpoint';
import { roundHalfAwayFromZero, roundHalfToEven } from '../src/rounding';
import {
  mbqmDoubleRef, mbqmSingleRef, mlasRef, quantizeMultiplierRef, rdbpotRef, requantizeTfliteRef, srdhmRef,
} from './reference/fixedpoint_bigint';
import { mulberry32 } from './support/random';


/** Values where int32 arithmetic goes wrong first: the ends, zero, ±1, powers of two and their neighbours. */
const EDGES: number[] = (() => {
  const v = new Set<number>([INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1, 2, -2, 3, -3]);
  for (let k = 1; k <= 30; k++) {
    for (const d of [-1, 0, 1]) {
      v.add(2 ** k + d);
      v.add(-(2 ** k) + d);
    }
  }
  return [...v].filter((x) => x >= INT32_MIN && x <= INT32_MAX);
})();

/** An int32 drawn from a mix: edge values, near powers of two, small, and uniform over the whole range. */
function int32Drawer(rand: () => number): () => number {
  return () => {
    const u = rand();
    if (u < 0.15) return EDGES[Math.floor(rand() * EDGES.length)];
    if (u < 0.35) {
      const p = 2 ** Math.floor(rand() * 31) + Math.floor(rand() * 9) - 4;
      const x = rand() < 0.5 ? -p : p;
      return Math.min(INT32_MAX, Math.max(INT32_MIN, x));
    }
    if (u < 0.5) return Math.floor(rand() * 2001) - 1000;
    return Math.floor(rand() * 4294967296) + INT32_MIN;
  };
}

/** A multiplier as QuantizeMultiplier makes them, [2^30, 2^31), mixed with the boundary values 0, 1, 2^30, 2^31 - 1. */
function multiplierDrawer(rand: () => number): () => number {
  const special = [0, 1, 2 ** 30, 2 ** 30 + 1, INT32_MAX, INT32_MAX - 1, 3 * 2 ** 29];
  return () => rand() < 0.1 ? special[Math.floor(rand() * special.length)] : 2 ** 30 + Math.floor(rand() * 2 ** 30);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Matches a QuantscopeArgumentError whose message starts with the function, the argument and the value. */
const FN_ARG_VALUE = (fn: string, arg: string, value: string) =>
  argError(new RegExp(`^${fn}: argument '${escapeRegExp(arg)}' was ${escapeRegExp(value)}; expected `));
const argError = (message: RegExp) => ({ name: 'QuantscopeArgumentError', message });

describe('roundingDivideByPOT', () => {
  it('matches the BigInt transcription for every x in [-2^16, 2^16] and every exponent 0..31', () => {
    for (let e = 0; e <= 31; e++) {
      for (let x = -65536; x <= 65536; x++) {
        const got = roundingDivideByPOT(x, e);
        if (got !== rdbpotRef(x, e)) assert.fail(`roundingDivideByPOT(${x}, ${e}) = ${got}, want ${rdbpotRef(x, e)}`);
      }
    }
  });

  it('matches the BigInt transcription on 300k seeded int32 values including INT32_MIN and INT32_MAX', () => {
    const rand = mulberry32(11);
    const draw = int32Drawer(rand);
    for (let i = 0; i < 300_000; i++) {
      const x = i < EDGES.length ? EDGES[i] : draw();
      const e = Math.floor(rand() * 32);
      const got = roundingDivideByPOT(x, e);
      if (got !== rdbpotRef(x, e)) assert.fail(`roundingDivideByPOT(${x}, ${e}) = ${got}, want ${rdbpotRef(x, e)}`);
    }
  });

  it('rounds ties away from zero and leaves x unchanged for exponent 0', () => {
    assert.equal(roundingDivideByPOT(5, 1), 3);
    assert.equal(roundingDivideByPOT(-5, 1), -3);
    assert.equal(roundingDivideByPOT(3, 1), 2);
    assert.equal(roundingDivideByPOT(-3, 1), -2);
    assert.equal(roundingDivideByPOT(-6, 2), -2); // -1.5
    assert.equal(roundingDivideByPOT(-7, 2), -2); // -1.75
    assert.equal(roundingDivideByPOT(-5, 2), -1); // -1.25
    assert.equal(roundingDivideByPOT(INT32_MIN, 0), INT32_MIN);
    assert.equal(roundingDivideByPOT(INT32_MAX, 0), INT32_MAX);
  });

  it('returns -1, 0 or 1 for exponent 31 at the ends of the range', () => {
    assert.equal(roundingDivideByPOT(INT32_MIN, 31), -1);
    assert.equal(roundingDivideByPOT(INT32_MAX, 31), 1);
    assert.equal(roundingDivideByPOT(2 ** 30, 31), 1); // 0.5 rounds away
    assert.equal(roundingDivideByPOT(-(2 ** 30), 31), -1);
    assert.equal(roundingDivideByPOT(2 ** 30 - 1, 31), 0);
  });

  it('rejects a non-int32 x or an exponent outside 0..31, naming function, argument and value', () => {
    assert.throws(() => roundingDivideByPOT(1.5, 1), FN_ARG_VALUE('roundingDivideByPOT', 'x', '1.5'));
    assert.throws(() => roundingDivideByPOT(2 ** 31, 1), FN_ARG_VALUE('roundingDivideByPOT', 'x', '2147483648'));
    assert.throws(() => roundingDivideByPOT(NaN, 1), FN_ARG_VALUE('roundingDivideByPOT', 'x', 'NaN'));
    assert.throws(() => roundingDivideByPOT(1, 32), FN_ARG_VALUE('roundingDivideByPOT', 'exponent', '32'));
    assert.throws(() => roundingDivideByPOT(1, -1), FN_ARG_VALUE('roundingDivideByPOT', 'exponent', '-1'));
  });
});

describe('saturatingRoundingDoublingHighMul', () => {
  it('matches the BigInt transcription on every pair of edge values', () => {
    for (const a of EDGES) {
      for (const b of EDGES) {
        const got = saturatingRoundingDoublingHighMul(a, b);
        if (got !== srdhmRef(a, b)) assert.fail(`SRDHM(${a}, ${b}) = ${got}, want ${srdhmRef(a, b)}`);
      }
    }
  });

  it('matches the BigInt transcription on 300k seeded pairs', () => {
    const rand = mulberry32(12);
    const draw = int32Drawer(rand);
    for (let i = 0; i < 300_000; i++) {
      const a = draw();
      const b = draw();
      const got = saturatingRoundingDoublingHighMul(a, b);
      if (got !== srdhmRef(a, b)) assert.fail(`SRDHM(${a}, ${b}) = ${got}, want ${srdhmRef(a, b)}`);
    }
  });

  it('matches the BigInt transcription where a·b sits exactly on a rounding boundary (k·2^31 ± 2^30)', () => {
    const rand = mulberry32(13);
    let checked = 0;
    for (let i = 0; i < 200_000; i++) {
      // a = 2^j · odd and b = 2^(30 - j) · odd' put the product on a tie when both odd parts are 1 mod 2.
      const j = Math.floor(rand() * 31);
      const oddA = 2 * Math.floor(rand() * 2 ** Math.max(0, 30 - j - 1)) + 1;
      const oddB = 2 * Math.floor(rand() * 2 ** Math.max(0, j)) + 1;
      const a = (rand() < 0.5 ? -1 : 1) * 2 ** j * oddA;
      const b = (rand() < 0.5 ? -1 : 1) * 2 ** (30 - j) * oddB;
      if (a < INT32_MIN || a > INT32_MAX || b < INT32_MIN || b > INT32_MAX) continue;
      checked++;
      const got = saturatingRoundingDoublingHighMul(a, b);
      if (got !== srdhmRef(a, b)) assert.fail(`SRDHM(${a}, ${b}) = ${got}, want ${srdhmRef(a, b)}`);
    }
    assert.ok(checked > 150_000);
  });

  it('rounds ties toward +Infinity like VQRDMULH: 0.5 -> 1, -0.5 -> 0, -1.5 -> -1', () => {
    assert.equal(saturatingRoundingDoublingHighMul(1, 2 ** 30), 1);
    assert.equal(saturatingRoundingDoublingHighMul(-1, 2 ** 30), 0);
    assert.equal(saturatingRoundingDoublingHighMul(-3, 2 ** 30), -1);
    assert.equal(saturatingRoundingDoublingHighMul(3, 2 ** 30), 2);
  });

  it('saturates INT32_MIN · INT32_MIN to INT32_MAX and is exact next to it', () => {
    assert.equal(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN), INT32_MAX);
    assert.equal(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN + 1), INT32_MAX);
    assert.equal(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX), -INT32_MAX);
    assert.equal(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
    assert.equal(saturatingRoundingDoublingHighMul(0, INT32_MIN), 0);
  });

  it('rejects arguments that are not int32, naming function, argument and value', () => {
    assert.throws(() => saturatingRoundingDoublingHighMul(0.5, 1),
      FN_ARG_VALUE('saturatingRoundingDoublingHighMul', 'a', '0.5'));
    assert.throws(() => saturatingRoundingDoublingHighMul(1, -2147483649),
      FN_ARG_VALUE('saturatingRoundingDoublingHighMul', 'b', '-2147483649'));
    assert.throws(() => saturatingRoundingDoublingHighMul(1, Infinity),
      FN_ARG_VALUE('saturatingRoundingDoublingHighMul', 'b', 'Infinity'));
  });
});

describe('multiplyByQuantizedMultiplierDoubleRounding', () => {
  it('matches the BigInt transcription on 300k seeded (x, multiplier, shift) including overflowing left shifts', () => {
    const rand = mulberry32(21);
    const drawX = int32Drawer(rand);
    const drawM = multiplierDrawer(rand);
    for (let i = 0; i < 300_000; i++) {
      const x = drawX();
      const m = drawM();
      const s = Math.floor(rand() * 62) - 31;
      const got = multiplyByQuantizedMultiplierDoubleRounding(x, m, s);
      const want = mbqmDoubleRef(x, m, s);
      if (got !== want) assert.fail(`MBQM-double(${x}, ${m}, ${s}) = ${got}, want ${want}`);
    }
  });

  it('matches the BigInt transcription on every edge x for every shift with edge multipliers', () => {
    for (const m of [0, 1, 2 ** 30, INT32_MAX, 1518500250]) {
      for (let s = -31; s <= 30; s++) {
        for (const x of EDGES) {
          const got = multiplyByQuantizedMultiplierDoubleRounding(x, m, s);
          if (got !== mbqmDoubleRef(x, m, s)) assert.fail(`MBQM-double(${x}, ${m}, ${s}) = ${got}`);
        }
      }
    }
  });

  it('matches the BigInt transcription where the right shift meets an exact tie', () => {
    // Multiplier 2^30 halves exactly, so x = ±odd · 2^e leaves odd · 2^(e-1) for a right shift by e: a tie.
    const rand = mulberry32(22);
    for (let e = 1; e <= 31; e++) {
      for (let i = 0; i < 2000; i++) {
        const odd = 2 * Math.floor(rand() * 2 ** Math.max(0, 30 - e)) + 1;
        const x = (rand() < 0.5 ? -1 : 1) * odd * 2 ** Math.min(e, 30);
        if (x < INT32_MIN || x > INT32_MAX) continue;
        for (const m of [2 ** 30, 3 * 2 ** 29]) {
          const got = multiplyByQuantizedMultiplierDoubleRounding(x, m, -e);
          if (got !== mbqmDoubleRef(x, m, -e)) assert.fail(`MBQM-double(${x}, ${m}, ${-e}) = ${got}`);
        }
      }
    }
  });

  it('saturates x · 2^leftShift instead of wrapping when it overflows int32', () => {
    // 2^20 · 2^12 = 2^31 overflows; saturated to INT32_MAX, times 0.5 (multiplier 2^30).
    assert.equal(multiplyByQuantizedMultiplierDoubleRounding(2 ** 20, 2 ** 30, 12), 2 ** 30);
    assert.equal(multiplyByQuantizedMultiplierDoubleRounding(-(2 ** 20), 2 ** 30, 12), -(2 ** 30));
    assert.equal(multiplyByQuantizedMultiplierDoubleRounding(INT32_MAX, INT32_MAX, 30), INT32_MAX - 1);
  });

  it('is exact for power-of-two multipliers: 2^30 with shift 1 is the identity below the saturation', () => {
    for (const x of EDGES) {
      if (Math.abs(x) < 2 ** 30) assert.equal(multiplyByQuantizedMultiplierDoubleRounding(x, 2 ** 30, 1), x);
    }
    // 2x no longer fits: saturated to INT32_MIN / INT32_MAX, then halved.
    assert.equal(multiplyByQuantizedMultiplierDoubleRounding(INT32_MIN, 2 ** 30, 1), -(2 ** 30));
    assert.equal(multiplyByQuantizedMultiplierDoubleRounding(2 ** 30, 2 ** 30, 1), 2 ** 30);
  });

  it('rejects a negative multiplier and shifts outside -31..30, naming function, argument and value', () => {
    const fn = 'multiplyByQuantizedMultiplierDoubleRounding';
    assert.throws(() => multiplyByQuantizedMultiplierDoubleRounding(1, -5, 0), FN_ARG_VALUE(fn, 'multiplier', '-5'));
    assert.throws(() => multiplyByQuantizedMultiplierDoubleRounding(1, 2 ** 31, 0),
      FN_ARG_VALUE(fn, 'multiplier', '2147483648'));
    assert.throws(() => multiplyByQuantizedMultiplierDoubleRounding(1, 2 ** 30, 31), FN_ARG_VALUE(fn, 'shift', '31'));
    assert.throws(() => multiplyByQuantizedMultiplierDoubleRounding(1, 2 ** 30, -32), FN_ARG_VALUE(fn, 'shift', '-32'));
    assert.throws(() => multiplyByQuantizedMultiplierDoubleRounding(2.5, 2 ** 30, 0), FN_ARG_VALUE(fn, 'x', '2.5'));
  });
});

describe('multiplyByQuantizedMultiplierSingleRounding', () => {
  it('matches the BigInt transcription on 300k seeded (x, multiplier, shift) including results beyond int32', () => {
    const rand = mulberry32(31);
    const drawX = int32Drawer(rand);
    const drawM = multiplierDrawer(rand);
    for (let i = 0; i < 300_000; i++) {
      const x = drawX();
      const m = drawM();
      const s = Math.floor(rand() * 62) - 31;
      const got = multiplyByQuantizedMultiplierSingleRounding(x, m, s);
      const want = mbqmSingleRef(x, m, s);
      if (got !== want) assert.fail(`MBQM-single(${x}, ${m}, ${s}) = ${got}, want ${want}`);
    }
  });

  it('matches the BigInt transcription on 200k ties, where x · m is an odd multiple of 2^(totalShift - 1)', () => {
    const rand = mulberry32(32);
    for (let i = 0; i < 200_000; i++) {
      // totalShift up to 60: a tie at 2^60 needs k + j = 60 with k, j <= 30 (2^61 is only reached by INT32_MIN · 2^30).
      const s = Math.floor(rand() * 60) - 29;
      const totalShift = 31 - s;
      // x = ±2^k · oddX and m = 2^j · oddM with k + j = totalShift - 1.
      const j = Math.max(0, totalShift - 31) + Math.floor(rand() * (Math.min(30, totalShift - 1)
        - Math.max(0, totalShift - 31) + 1));
      const k = totalShift - 1 - j;
      const m = 2 ** j * (2 * Math.floor(rand() * 2 ** (30 - j)) + 1);
      const x = (rand() < 0.5 ? -1 : 1) * 2 ** k * (2 * Math.floor(rand() * 2 ** (30 - k)) + 1);
      const got = multiplyByQuantizedMultiplierSingleRounding(x, m, s);
      const want = mbqmSingleRef(x, m, s);
      if (got !== want) assert.fail(`MBQM-single(${x}, ${m}, ${s}) = ${got}, want ${want}`);
    }
    // -2^31 · 2^30 = -2^61, the tie of the largest right shift: -0.5 rounds up to 0.
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(INT32_MIN, 2 ** 30, -31), 0);
    assert.equal(mbqmSingleRef(INT32_MIN, 2 ** 30, -31), 0);
  });

  it('rounds ties toward +Infinity: 0.5 -> 1, -0.5 -> 0, -1.5 -> -1', () => {
    // multiplier 2^30 with shift -1 is exactly 0.25.
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(2, 2 ** 30, -1), 1);
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(-2, 2 ** 30, -1), 0);
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(-6, 2 ** 30, -1), -1);
  });

  it('saturates results beyond int32 instead of truncating them', () => {
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(INT32_MAX, INT32_MAX, 30), INT32_MAX);
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(INT32_MIN, INT32_MAX, 30), INT32_MIN);
    assert.equal(multiplyByQuantizedMultiplierSingleRounding(2 ** 20, 2 ** 30, 12), INT32_MAX);
  });

  it('rejects shifts outside -31..30, naming function, argument and value', () => {
    const fn = 'multiplyByQuantizedMultiplierSingleRounding';
    assert.throws(() => multiplyByQuantizedMultiplierSingleRounding(1, 2 ** 30, 31), FN_ARG_VALUE(fn, 'shift', '31'));
    assert.throws(() => multiplyByQuantizedMultiplierSingleRounding(1, 2 ** 30, 0.5), FN_ARG_VALUE(fn, 'shift', '0.5'));
    assert.throws(() => multiplyByQuantizedMultiplierSingleRounding(1, -1, 0), FN_ARG_VALUE(fn, 'multiplier', '-1'));
  });
});

describe('quantizeMultiplier', () => {
  const reals: number[] = (() => {
    const r: number[] = [0, 1, 0.5, 0.75, 1.5, 3, 1000, 1e10, 1e300, Number.MAX_VALUE, Number.MIN_VALUE, 5e-324];
    for (let k = -70; k <= 70; k++) r.push(2 ** k, 2 ** k * (1 - 2 ** -40), 2 ** k * (1 + 2 ** -40));
    r.push(1 - 2 ** -40, 1 - 2 ** -31, 1 - 2 ** -32, 1 - 2 ** -33, 1 - 2 ** -53);
    r.push(2 ** -31 - 2 ** -80, 2 ** -31 - 2 ** -63, 2 ** -31 - 2 ** -62);
    r.push(2 ** -32, 2 ** -32 - 2 ** -64, 2 ** -32 - 2 ** -63, 2 ** -32 - 2 ** -64 - 2 ** -80, 2 ** -32 + 2 ** -80);
    r.push(2 ** 30 - 1, 2 ** 30 - 0.25, 2 ** 30, 2 ** 31, 2 ** 31 - 1);
    const rand = mulberry32(41);
    for (let i = 0; i < 100_000; i++) r.push(2 ** (rand() * 80 - 40));
    for (let i = 0; i < 20_000; i++) r.push(Math.fround(2 ** (rand() * 16 - 14))); // float32 products, as TFLite has
    return r;
  })();

  it('matches the exact BigInt derivation on 120k reals in both rounding modes', () => {
    for (const real of reals) {
      for (const singleRounding of [false, true]) {
        const got = quantizeMultiplier(real, { singleRounding });
        const want = quantizeMultiplierRef(real, singleRounding);
        if (got.multiplier !== want.multiplier || got.shift !== want.shift) {
          assert.fail(`quantizeMultiplier(${real}, ${singleRounding}) = ${JSON.stringify(got)}, `
            + `want ${JSON.stringify(want)}`);
        }
      }
    }
  });

  it('keeps |multiplier · 2^(shift-31) - real| <= 2^(shift-32) with multiplier in [2^30, 2^31) unless flushed', () => {
    for (const real of reals) {
      const { multiplier, shift } = quantizeMultiplier(real);
      if (multiplier === 0) {
        assert.ok(real < 2 ** -32, `only tiny reals flush, got ${real}`);
        assert.equal(shift, 0);
        continue;
      }
      assert.ok(multiplier >= 2 ** 30 && multiplier < 2 ** 31, `multiplier ${multiplier} for ${real}`);
      // Scaled by 2^(31 - shift), exactly (a power of two): |multiplier - real · 2^(31 - shift)| <= 1/2. The
      // difference of two doubles within a factor of two is exact (Sterbenz), so the check is exact too.
      const err = Math.abs(multiplier - real * 2 ** (31 - shift));
      assert.ok(err <= 0.5, `error ${err} · 2^(shift - 31) for ${real} (shift ${shift})`);
    }
  });

  it('maps 0, 1 and 0.5 to the documented values', () => {
    assert.deepEqual(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
    assert.deepEqual(quantizeMultiplier(-0), { multiplier: 0, shift: 0 });
    assert.deepEqual(quantizeMultiplier(1), { multiplier: 2 ** 30, shift: 1 });
    assert.deepEqual(quantizeMultiplier(0.5), { multiplier: 2 ** 30, shift: 0 });
    assert.deepEqual(quantizeMultiplier(0.75), { multiplier: 3 * 2 ** 29, shift: 0 });
  });

  it('halves a multiplier that rounds up to 2^31 and raises the shift: 1 - 2^-40 becomes 2^30 · 2^(1-31)', () => {
    assert.deepEqual(quantizeMultiplier(1 - 2 ** -40), { multiplier: 2 ** 30, shift: 1 });
    assert.deepEqual(quantizeMultiplier(1 - 2 ** -31), { multiplier: INT32_MAX, shift: 0 });
  });

  it('keeps values just below 2^-31 and flushes below 2^-32 - 2^-64, not below 2^-31', () => {
    assert.deepEqual(quantizeMultiplier(2 ** -31 - 2 ** -80), { multiplier: 2 ** 30, shift: -30 });
    assert.deepEqual(quantizeMultiplier(2 ** -31 - 2 ** -62), { multiplier: INT32_MAX, shift: -31 });
    assert.deepEqual(quantizeMultiplier(2 ** -32), { multiplier: 2 ** 30, shift: -31 });
    // q · 2^31 = 2^31 - 0.5 is a tie, rounded away to 2^31, which moves the shift from -32 back to -31.
    assert.deepEqual(quantizeMultiplier(2 ** -32 - 2 ** -64), { multiplier: 2 ** 30, shift: -31 });
    assert.deepEqual(quantizeMultiplier(2 ** -32 - 2 ** -63), { multiplier: 0, shift: 0 });
    assert.deepEqual(quantizeMultiplier(Number.MIN_VALUE), { multiplier: 0, shift: 0 });
  });

  it('gives shifts above 30 for reals of 2^30 or more, saturated to (2^31 - 1, 30) with singleRounding', () => {
    assert.deepEqual(quantizeMultiplier(2 ** 30), { multiplier: 2 ** 30, shift: 31 });
    assert.deepEqual(quantizeMultiplier(2 ** 30, { singleRounding: true }), { multiplier: INT32_MAX, shift: 30 });
    assert.deepEqual(quantizeMultiplier(1e10, { singleRounding: true }), { multiplier: INT32_MAX, shift: 30 });
    assert.deepEqual(quantizeMultiplier(2 ** 30 - 1, { singleRounding: true }), quantizeMultiplier(2 ** 30 - 1));
    assert.deepEqual(quantizeMultiplier(1.5), { multiplier: 3 * 2 ** 29, shift: 1 });
  });

  it('rejects negative, NaN and infinite multipliers, naming function, argument and value', () => {
    assert.throws(() => quantizeMultiplier(-0.25), FN_ARG_VALUE('quantizeMultiplier', 'realMultiplier', '-0.25'));
    assert.throws(() => quantizeMultiplier(NaN), FN_ARG_VALUE('quantizeMultiplier', 'realMultiplier', 'NaN'));
    assert.throws(() => quantizeMultiplier(Infinity), FN_ARG_VALUE('quantizeMultiplier', 'realMultiplier', 'Infinity'));
    assert.throws(() => quantizeMultiplier(-Infinity),
      FN_ARG_VALUE('quantizeMultiplier', 'realMultiplier', '-Infinity'));
    assert.throws(() => quantizeMultiplier('0.5' as unknown as number),
      FN_ARG_VALUE('quantizeMultiplier', 'realMultiplier', '"0.5"'));
    assert.throws(() => quantizeMultiplier(0.5, { singleRounding: 1 as unknown as boolean }),
      FN_ARG_VALUE('quantizeMultiplier', 'options.singleRounding', '1'));
  });

  it('quantizeMultiplierArray equals quantizeMultiplier per element and names the index of a bad element', () => {
    const reals32 = new Float32Array([0.001, 0.5, 2, 0, 3e-10]);
    const { multiplier, shift } = quantizeMultiplierArray(reals32, { singleRounding: true });
    for (let i = 0; i < reals32.length; i++) {
      assert.deepEqual({ multiplier: multiplier[i], shift: shift[i] },
        quantizeMultiplier(reals32[i], { singleRounding: true }));
    }
    assert.equal(quantizeMultiplierArray([]).multiplier.length, 0);
    assert.throws(() => quantizeMultiplierArray([0.5, -1]), argError(
      /^quantizeMultiplierArray: argument 'realMultipliers' was an array of length 2; expected .*-1 at index 1/));
  });
});

describe('mlasRequantizeOutput', () => {
  it('matches the bit-level BigInt float32 emulation on 300k seeded (acc, scale, zero point, range)', () => {
    const rand = mulberry32(51);
    const drawAcc = int32Drawer(rand);
    const ranges: Array<[number, number]> = [[-128, 127], [0, 255], [-32768, 32767], [-127, 127]];
    for (let i = 0; i < 300_000; i++) {
      const acc = drawAcc();
      const u = rand();
      // Scales from tiny to huge, some exactly float32, some doubles that float32 has to round, some powers of two.
      const scale = u < 0.1 ? 2 ** (Math.floor(rand() * 40) - 30)
        : u < 0.5 ? Math.fround(2 ** (rand() * 40 - 35)) : 2 ** (rand() * 40 - 35);
      const [qmin, qmax] = ranges[Math.floor(rand() * ranges.length)];
      const zeroPoint = qmin + Math.floor(rand() * (qmax - qmin + 1));
      const got = mlasRequantizeOutput(acc, scale, zeroPoint, qmin, qmax);
      const want = mlasRef(acc, scale, zeroPoint, qmin, qmax);
      if (got !== want) assert.fail(`mlas(${acc}, ${scale}, ${zeroPoint}, ${qmin}, ${qmax}) = ${got}, want ${want}`);
    }
  });

  it('rounds ties to even after the float32 product: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2', () => {
    assert.equal(mlasRequantizeOutput(5, 0.5, 0, -128, 127), 2);
    assert.equal(mlasRequantizeOutput(7, 0.5, 0, -128, 127), 4);
    assert.equal(mlasRequantizeOutput(-5, 0.5, 0, -128, 127), -2);
    assert.equal(mlasRequantizeOutput(-7, 0.5, 10, -128, 127), 6);
  });

  it('converts the accumulator to float32 first, losing the low bits above 2^24', () => {
    // 2^24 + 1 is not a float32: it rounds to 2^24; 2^24 + 3 is a float32 tie and rounds to the even 2^24 + 4.
    assert.equal(mlasRequantizeOutput(2 ** 24 + 1, 1, 0, INT32_MIN, INT32_MAX), 2 ** 24);
    assert.equal(mlasRequantizeOutput(2 ** 24 + 3, 1, 0, INT32_MIN, INT32_MAX), 2 ** 24 + 4);
    assert.equal(mlasRequantizeOutput(-(2 ** 24) - 3, 1, 0, INT32_MIN, INT32_MAX), -(2 ** 24) - 4);
  });

  it('clamps to [qmin, qmax] for a fused ReLU and saturates a product that overflows float32', () => {
    assert.equal(mlasRequantizeOutput(-1000, 0.01, -128, -128, 127), -128);
    assert.equal(mlasRequantizeOutput(1000, 0.01, -128, -128, 127), -118);
    assert.equal(mlasRequantizeOutput(INT32_MAX, 3e38, 0, -128, 127), 127);
    assert.equal(mlasRequantizeOutput(INT32_MIN, 3e38, 0, -128, 127), -128);
    assert.equal(mlasRequantizeOutput(0, 3e38, 5, -128, 127), 5);
  });

  it('rejects negative, NaN and float32-infinite scales and an empty range, naming function, argument, value', () => {
    const fn = 'mlasRequantizeOutput';
    assert.throws(() => mlasRequantizeOutput(1, -0.5, 0, -128, 127), FN_ARG_VALUE(fn, 'scale', '-0.5'));
    assert.throws(() => mlasRequantizeOutput(1, NaN, 0, -128, 127), FN_ARG_VALUE(fn, 'scale', 'NaN'));
    assert.throws(() => mlasRequantizeOutput(1, 1e39, 0, -128, 127), FN_ARG_VALUE(fn, 'scale', '1e+39'));
    assert.throws(() => mlasRequantizeOutput(1, 0.5, 0, 10, -10), FN_ARG_VALUE(fn, 'qmax', '-10'));
    assert.throws(() => mlasRequantizeOutput(1.5, 0.5, 0, -128, 127), FN_ARG_VALUE(fn, 'acc', '1.5'));
  });
});

describe('requantize', () => {
  function randomAcc(rand: () => number, n: number): Int32Array {
    const draw = int32Drawer(rand);
    const acc = new Int32Array(n);
    for (let i = 0; i < n; i++) acc[i] = rand() < 0.7 ? Math.floor((rand() - 0.5) * 2 ** (1 + rand() * 24)) : draw();
    return acc;
  }

  for (const profile of ['tflite-double', 'tflite-single'] as const) {
    it(`${profile}: per-channel requantization of 240k accumulators is bit-exact with the BigInt epilogue`, () => {
      const rand = mulberry32(profile === 'tflite-double' ? 61 : 62);
      const channels = 24;
      const acc = randomAcc(rand, 240_000);
      const reals = new Float64Array(channels);
      for (let c = 0; c < channels; c++) reals[c] = 2 ** (rand() * 24 - 20); // includes > 1 multipliers
      const { multiplier, shift } = quantizeMultiplierArray(reals, { singleRounding: profile === 'tflite-single' });
      const params = { profile, multiplier, shift, zeroPoint: -3, qmin: -128, qmax: 127 };
      const out = requantize(acc, params);
      for (let i = 0; i < acc.length; i++) {
        const c = i % channels;
        const want = requantizeTfliteRef(acc[i], multiplier[c], shift[c], profile === 'tflite-single', -3, -128, 127);
        if (out[i] !== want) assert.fail(`${profile} acc[${i}] = ${acc[i]} channel ${c}: ${out[i]}, want ${want}`);
      }
    });

    it(`${profile}: per-tensor requantization with a wide int32 clamp is bit-exact, overflow included`, () => {
      const rand = mulberry32(profile === 'tflite-double' ? 63 : 64);
      const acc = randomAcc(rand, 200_000);
      for (const [m, s] of [[1518500250, 5], [2 ** 30, -31], [INT32_MAX, 30], [1234567890, -7]]) {
        const params = { profile, multiplier: m, shift: s, zeroPoint: 7, qmin: INT32_MIN, qmax: INT32_MAX };
        const out = requantize(acc, params);
        for (let i = 0; i < acc.length; i++) {
          const want = requantizeTfliteRef(acc[i], m, s, profile === 'tflite-single', 7, INT32_MIN, INT32_MAX);
          if (out[i] !== want) assert.fail(`${profile} (${m}, ${s}) acc ${acc[i]}: ${out[i]}, want ${want}`);
        }
      }
    });

    it(`${profile}: stays within 1 of round(acc · real) wherever |acc · real| < 2^20`, () => {
      const rand = mulberry32(profile === 'tflite-double' ? 65 : 66);
      const single = profile === 'tflite-single';
      for (let i = 0; i < 200_000; i++) {
        const real = 2 ** (rand() * 30 - 25);
        const acc = Math.trunc((rand() - 0.5) * 2 * Math.min(INT32_MAX, 2 ** 20 / real));
        const { multiplier, shift } = quantizeMultiplier(real, { singleRounding: single });
        const y = requantize(Int32Array.of(acc), { profile, multiplier, shift, zeroPoint: 0, qmin: INT32_MIN,
          qmax: INT32_MAX })[0];
        const exact = Math.round(acc * real);
        if (Math.abs(y - exact) > 1) assert.fail(`${profile} acc ${acc} real ${real}: ${y} vs ${exact}`);
      }
    });
  }

  it('onnxruntime: per-channel requantization of 240k accumulators is bit-exact with the BigInt emulation', () => {
    const rand = mulberry32(71);
    const channels = 7;
    const acc = randomAcc(rand, 240_002 - (240_002 % channels));
    const scale = new Float32Array(channels);
    for (let c = 0; c < channels; c++) scale[c] = 2 ** (rand() * 30 - 28);
    const out = requantize(acc, { profile: 'onnxruntime', scale, zeroPoint: 128, qmin: 0, qmax: 255 });
    for (let i = 0; i < acc.length; i++) {
      const want = mlasRef(acc[i], scale[i % channels], 128, 0, 255);
      if (out[i] !== want) assert.fail(`onnxruntime acc ${acc[i]} channel ${i % channels}: ${out[i]}, want ${want}`);
    }
  });

  it('onnxruntime: equals roundHalfToEven(acc · scale) when |acc| < 2^24 and acc · scale is not near a tie', () => {
    const rand = mulberry32(72);
    let compared = 0;
    for (let i = 0; i < 200_000; i++) {
      const scale = Math.fround(2 ** (rand() * 20 - 24));
      const acc = Math.floor((rand() - 0.5) * 2 ** 25);
      const exact = acc * scale; // exact: 25 + 24 bits
      const frac = Math.abs(exact - Math.trunc(exact));
      if (Math.abs(frac - 0.5) <= Math.abs(exact) * 2 ** -22) continue;
      compared++;
      const y = requantize(Int32Array.of(acc), { profile: 'onnxruntime', scale, zeroPoint: 0, qmin: INT32_MIN,
        qmax: INT32_MAX })[0];
      assert.equal(y, roundHalfToEven(exact), `acc ${acc} scale ${scale}`);
    }
    assert.ok(compared > 190_000);
  });

  it('uses channel i % channels of the innermost axis', () => {
    const acc = Int32Array.of(100, 100, 100, -100, -100, -100);
    const out = requantize(acc, { profile: 'onnxruntime', scale: Float32Array.of(1, 0.5, 0.25), zeroPoint: 0,
      qmin: -128, qmax: 127 });
    assert.deepEqual([...out], [100, 50, 25, -100, -50, -25]);
    const m = quantizeMultiplierArray([1, 0.5, 0.25]);
    for (const profile of ['tflite-double', 'tflite-single'] as const) {
      const o = requantize(acc, { profile, multiplier: m.multiplier, shift: m.shift, zeroPoint: 0, qmin: -128,
        qmax: 127 });
      assert.deepEqual([...o], [100, 50, 25, -100, -50, -25]);
    }
  });

  it('broadcasts a scalar shift against per-channel multipliers and writes in place when out is acc', () => {
    const acc = Int32Array.of(1000, 1000, -1000, -1000);
    const out = requantize(acc, { profile: 'tflite-double', multiplier: Int32Array.of(2 ** 30, 3 * 2 ** 29), shift: -3,
      zeroPoint: 1, qmin: -128, qmax: 127 }, acc);
    assert.equal(out, acc);
    // 1000 / 16 = 62.5 -> 63, 1000 · 3/32 = 93.75 -> 94, each plus the zero point 1; ties away from zero.
    assert.deepEqual([...acc], [64, 95, -62, -93]);
  });

  it('clamps to a ReLU6 range the caller passes', () => {
    // Output scale 0.05, zero point -28: ReLU6 keeps codes in [zp, zp + round(6 / 0.05)] = [-28, 92].
    const acc = Int32Array.of(-5000, -1, 0, 1000, 5000);
    for (const profile of ['tflite-double', 'tflite-single'] as const) {
      const out = requantize(acc, { profile, multiplier: 2 ** 30, shift: -4, zeroPoint: -28, qmin: -28, qmax: 92 });
      assert.deepEqual([...out], [-28, -28, -28, 3, 92]); // real multiplier 1/32: 1000/32 = 31.25
    }
    const ort = requantize(acc, { profile: 'onnxruntime', scale: 1 / 32, zeroPoint: -28, qmin: -28, qmax: 92 });
    assert.deepEqual([...ort], [-28, -28, -28, 3, 92]);
  });

  it('returns an empty array for empty accumulators', () => {
    assert.equal(requantize(new Int32Array(0), { profile: 'onnxruntime', scale: 1, zeroPoint: 0, qmin: 0, qmax: 1 })
      .length, 0);
  });

  it('rejects mismatched channel arrays, bad lengths, bad ranges and unknown profiles, naming the argument', () => {
    const acc = new Int32Array(6);
    const base = { zeroPoint: 0, qmin: -128, qmax: 127 };
    const m3 = new Int32Array(3).fill(2 ** 30);
    const s2 = new Int32Array(2);
    assert.throws(() => requantize(acc, { ...base, profile: 'tflite-double', multiplier: m3, shift: s2 }),
      argError(new RegExp("^requantize: argument 'params\\.shift' was a Int32Array of length 2; "
        + 'expected the length of params\\.multiplier \\(3\\)')));
    assert.throws(() => requantize(acc, { ...base, profile: 'onnxruntime', scale: new Float32Array(4).fill(1) }),
      argError(/^requantize: argument 'acc' was a Int32Array of length 6; expected a length divisible by .* 4/));
    assert.throws(() => requantize(acc, { ...base, profile: 'onnxruntime', scale: new Float32Array(0) }),
      argError(/^requantize: argument 'params\.scale' was a Float32Array of length 0; expected at least one channel/));
    const badM = Int32Array.of(2 ** 30, -1);
    assert.throws(() => requantize(acc, { ...base, profile: 'tflite-single', multiplier: badM, shift: 0 }),
      argError(/^requantize: argument 'params\.multiplier' was a Int32Array of length 2; expected .*-1 for channel 1/));
    assert.throws(() => requantize(acc, { ...base, profile: 'tflite-single', multiplier: 2 ** 30, shift: 31 }),
      argError(/^requantize: argument 'params\.shift' was 31; expected .*found 31 for channel 0/));
    assert.throws(() => requantize(acc, { ...base, profile: 'onnxruntime', scale: Float32Array.of(1, NaN) }),
      argError(/^requantize: argument 'params\.scale' was a Float32Array of length 2; expected .*NaN for channel 1/));
    assert.throws(() => requantize(acc, { ...base, profile: 'onnxruntime', scale: 1, qmin: 5, qmax: 4 }),
      FN_ARG_VALUE('requantize', 'params.qmax', '4'));
    assert.throws(() => requantize(acc, { ...base, profile: 'onnxruntime', scale: 1 }, new Int32Array(5)),
      FN_ARG_VALUE('requantize', 'out', 'a Int32Array of length 5'));
    assert.throws(() => requantize(Array.from(acc) as unknown as Int32Array,
      { ...base, profile: 'onnxruntime', scale: 1 }), FN_ARG_VALUE('requantize', 'acc', 'an array of length 6'));
    assert.throws(() => requantize(acc, { ...base, profile: 'tflite' } as unknown as Parameters<typeof requantize>[1]),
      FN_ARG_VALUE('requantize', 'params.profile', '"tflite"'));
  });
});

describe('rounding helpers', () => {
  it('roundHalfToEven breaks ties to even and roundHalfAwayFromZero away from zero', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfToEven), [0, 2, 2, 0, -2, -2, 2, -3]);
    // Beyond 2^51 the fast path cannot be used: halves still round to even, integers stay.
    assert.deepEqual([2 ** 51 + 0.5, 2 ** 51 + 1.5, -(2 ** 51) - 0.5, 2 ** 52 + 1, Infinity].map(roundHalfToEven),
      [2 ** 51, 2 ** 51 + 2, -(2 ** 51), 2 ** 52 + 1, Infinity]);
    assert.ok(Number.isNaN(roundHalfToEven(NaN)));
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfAwayFromZero), [1, 2, 3, -1, -2, -3, 2, -3]);
    assert.equal(roundHalfToEven(0.49999999999999994), 0);
    assert.equal(roundHalfAwayFromZero(-0.49999999999999994), -0);
    assert.equal(roundHalfToEven(2 ** 53 + 2), 2 ** 53 + 2);
  });
});
