;; Requantization epilogues in WebAssembly: int32 accumulators to output codes, bit-exact with the JavaScript
;; reference in src/fixedpoint/requantize.ts (itself tested against BigInt transcriptions of the C code). The memory
;; is the integer convolution module's (imported), so a convolution's accumulators are requantized where they lie.
;; The loader (src/wasm/requantize_kernels.ts) builds the per-channel constant tables and proves nothing: the
;; derivations are here, the proofs are the tests (test/integer/requantize_wasm.test.ts).
;;
;; Every loop takes blocks of 4 consecutive accumulators; element i uses channel i % C. The constant table holds
;; lcm(C, 4) lanes ($period blocks of 4) and wraps, so one flat loop serves every channel count. Outputs are written
;; as $kind 0 = int32, 1 = int8, 2 = int16 (the caller's clamp keeps codes inside the type).
(module
  (import "env" "memory" (memory 1))

  ;; TFLite's MultiplyByQuantizedMultiplier epilogue, four lanes at a time, for multipliers m in [0, 2^31).
  ;; Table block (320 bytes): m i32x4 | c i64x2 x2 | nmask i32x4 | k f64x2 x2 | M f64x2 x2 | left f64x2 x2, then the
  ;; short path's constants (below), then 32 bytes this loop does not read: the depthwise kernel's float32 screen
  ;; (src/wasm/integer_conv.wat).
  ;;
  ;;   x  = sat32(acc · left)                 only when $left: exact in f64, trunc_sat saturates as TFLite's
  ;;                                          documented decision (left = 2^max(shift, 0))
  ;;   h  = floor((x · m + c) / 2^31)         x · m is exact (i64x2.extmul); bits 31..62 fit int32 because
  ;;                                          |x · m| < 2^62. Double rounding: c = 2^30 makes this gemmlowp's
  ;;                                          SaturatingRoundingDoublingHighMul (its nudge and truncating division
  ;;                                          reduce to one floor for either sign; m >= 0 rules out the saturation
  ;;                                          case). Single rounding: c = 2^30 when e = 0, else 0.
  ;;   h' = h + ((h >> 31) & nmask)           h − 1 where h < 0 if nmask = −1 (double rounding, e > 0); h >= −2^31 + 1
  ;;   r  = floor((h' + 2^(e−1)) / 2^e)       e = max(−shift, 0) (half = 0 when e = 0). Double: this is
  ;;                                          RoundingDivideByPOT(h, e), ties away from zero. Single: the total shift
  ;;                                          31 + e splits as (x·m + 2^(30+e)) >> (31+e) =
  ;;                                          floor((floor(x·m / 2^31) + 2^(e−1)) / 2^e), the same shape.
  ;;                                          For e >= 1 the floor equals roundTiesToEven((h' + 1/2) / 2^e): (2h' + 1)
  ;;                                          is odd, so no tie. Adding M = 1.5 · 2^(52+e) (spacing 2^e there) to the
  ;;                                          exact double h' + k (k = 1/2, or 0 when e = 0) performs that rounding,
  ;;                                          and the low word of the sum's bits is r (M's low word is 0).
  ;;   y  = clamp(r, lo, hi) + zp             lo = qmin − zp, hi = qmax − zp pre-clipped to int32 by the loader
  ;;
  ;; With $short the caller promises |x| < 2^21 everywhere and no $left (a depthwise conv's accumulators, bounded by
  ;; its bias and weights): then a shorter path in f64 alone. Table block, bytes 160..287: ms f64x2 x2 | T f64x2 x2 |
  ;; Cs f64x2 x2 | Ds f64x2 x2, where s = 2^−(31+e).
  ;;   p = x · m                                |p| <= (2^21 − 1)(2^31 − 1) < 2^52 − 2^31, so p is exact in f64 and so
  ;;                                            is every sum below (integers plus 1/2 under 2^52), scaled by s exactly.
  ;;   Nested floors by powers of two merge, floor((floor(q / 2^31) + a) / 2^e) = floor((q + a · 2^31) / 2^(31+e)), and
  ;;   floor(n / 2^E) = roundTiesToEven((n − 2^(E−1) + 1/2) / 2^E) for integer n (never a tie), so with E = 31 + e:
  ;;     double, e >= 1:  r = round((p + 2^30 + 1/2 − [p < −2^30] · 2^31) · s)   (q = p + 2^30, a = 2^(e−1) − [q < 0])
  ;;     double, e = 0 and single:  r = round((p + 1/2) · s)
  ;;   so Cs = (2^30 + 1/2) · s and Ds = −2^31 · s for double rounding with e >= 1, else Cs = s / 2 and Ds = 0; T =
  ;;   −2^30 · s (p < −2^30 iff p · s < T). |r| < 2^21, so adding 1.5 · 2^52 rounds to nearest even and leaves r in the
  ;;   low word, as above.
  (func (export "tflite") (param $src i32) (param $dst i32) (param $blocks i32) (param $table i32) (param $period i32)
                          (param $left i32) (param $short i32) (param $lo i32) (param $hi i32) (param $zp i32)
                          (param $kind i32)
    (local $t i32) (local $tend i32) (local $step i32)
    (local $x v128) (local $m v128) (local $p0 v128) (local $p1 v128) (local $h v128) (local $r v128)
    (local $lov v128) (local $hiv v128) (local $zpv v128)
    (if (i32.eqz (local.get $blocks)) (then (return)))
    (local.set $lov (i32x4.splat (local.get $lo)))
    (local.set $hiv (i32x4.splat (local.get $hi)))
    (local.set $zpv (i32x4.splat (local.get $zp)))
    (local.set $t (local.get $table))
    (local.set $tend (i32.add (local.get $table) (i32.mul (local.get $period) (i32.const 320))))
    (local.set $step (select (i32.const 4) (i32.const 16) (i32.eq (local.get $kind) (i32.const 1))))
    (if (i32.eq (local.get $kind) (i32.const 2)) (then (local.set $step (i32.const 8))))
    (loop $block
      (local.set $x (v128.load (local.get $src)))
      (if (i32.eqz (local.get $short))
        (then
          (if (local.get $left)
            (then
              (local.set $x (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (i32x4.trunc_sat_f64x2_s_zero
                  (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $x)) (v128.load offset=128 (local.get $t))))
                (i32x4.trunc_sat_f64x2_s_zero
                  (f64x2.mul
                    (f64x2.convert_low_i32x4_s
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
                    (v128.load offset=144 (local.get $t))))))))
          (local.set $m (v128.load (local.get $t)))
          (local.set $p0 (i64x2.shr_u
            (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $x) (local.get $m)) (v128.load offset=16 (local.get $t)))
            (i32.const 31)))
          (local.set $p1 (i64x2.shr_u
            (i64x2.add (i64x2.extmul_high_i32x4_s (local.get $x) (local.get $m)) (v128.load offset=32 (local.get $t)))
            (i32.const 31)))
          (local.set $h (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $p0) (local.get $p1)))
          (local.set $h (i32x4.add (local.get $h)
            (v128.and (i32x4.shr_s (local.get $h) (i32.const 31)) (v128.load offset=48 (local.get $t)))))
          (local.set $r (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (f64x2.add
              (f64x2.add (f64x2.convert_low_i32x4_s (local.get $h)) (v128.load offset=64 (local.get $t)))
              (v128.load offset=96 (local.get $t)))
            (f64x2.add
              (f64x2.add
                (f64x2.convert_low_i32x4_s
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $h) (local.get $h)))
                (v128.load offset=80 (local.get $t)))
              (v128.load offset=112 (local.get $t))))))
        (else
          (local.set $p0 (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $x)) (v128.load offset=160 (local.get $t))))
          (local.set $p1 (f64x2.mul
            (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
            (v128.load offset=176 (local.get $t))))
          (local.set $p0 (f64x2.add (f64x2.add (f64x2.add (local.get $p0) (v128.load offset=224 (local.get $t)))
            (v128.and (f64x2.lt (local.get $p0) (v128.load offset=192 (local.get $t))) (v128.load offset=256 (local.get $t))))
            (v128.const f64x2 0x1.8p52 0x1.8p52)))
          (local.set $p1 (f64x2.add (f64x2.add (f64x2.add (local.get $p1) (v128.load offset=240 (local.get $t)))
            (v128.and (f64x2.lt (local.get $p1) (v128.load offset=208 (local.get $t))) (v128.load offset=272 (local.get $t))))
            (v128.const f64x2 0x1.8p52 0x1.8p52)))
          (local.set $r (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $p0) (local.get $p1)))))
      (local.set $r (i32x4.add (i32x4.min_s (i32x4.max_s (local.get $r) (local.get $lov)) (local.get $hiv))
        (local.get $zpv)))
      (if (i32.eqz (local.get $kind))
        (then (v128.store (local.get $dst) (local.get $r)))
        (else
          (local.set $r (i16x8.narrow_i32x4_s (local.get $r) (local.get $r)))
          (if (i32.eq (local.get $kind) (i32.const 1))
            (then (v128.store32_lane 0 (local.get $dst) (i8x16.narrow_i16x8_s (local.get $r) (local.get $r))))
            (else (v128.store64_lane 0 (local.get $dst) (local.get $r))))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (local.get $step)))
      (local.set $t (i32.add (local.get $t) (i32.const 320)))
      (if (i32.ge_u (local.get $t) (local.get $tend)) (then (local.set $t (local.get $table))))
      (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))

  ;; MLAS's MlasRequantizeOutput, four lanes at a time. Table block (16 bytes): the float32 scales.
  ;;   v = min(max(fround(fround(acc) · scale), flo), fhi)     f32x4.convert rounds to nearest even like a C cast;
  ;;                                                             pmin/pmax (minps/maxps) suffice: v is never NaN
  ;;   y = roundTiesToEven(v) + zp                               as _mm_cvtps_epi32, through MLAS's own scalar trick:
  ;;                                                             v + 1.5 · 2^23 rounds v to an integer (ties to
  ;;                                                             even) and its bits are 0x4B400000 + that integer
  ;; The loader uses this only when qmin − zp and qmax − zp are integers of magnitude <= 2^22, so flo and fhi are
  ;; exact, |v| <= 2^22 keeps the sum in the binade where the trick holds, and y lies in [qmin, qmax]: MLAS's final
  ;; saturating pack then changes nothing. $zp arrives as 0x4B400000 − zp.
  (func (export "ort") (param $src i32) (param $dst i32) (param $blocks i32) (param $table i32) (param $period i32)
                       (param $flo f32) (param $fhi f32) (param $zp i32) (param $kind i32)
    (local $t i32) (local $tend i32) (local $step i32) (local $r v128)
    (local $lov v128) (local $hiv v128) (local $zpv v128)
    (if (i32.eqz (local.get $blocks)) (then (return)))
    (local.set $lov (f32x4.splat (local.get $flo)))
    (local.set $hiv (f32x4.splat (local.get $fhi)))
    (local.set $zpv (i32x4.splat (local.get $zp)))
    (local.set $t (local.get $table))
    (local.set $tend (i32.add (local.get $table) (i32.shl (local.get $period) (i32.const 4))))
    (local.set $step (select (i32.const 4) (i32.const 16) (i32.eq (local.get $kind) (i32.const 1))))
    (if (i32.eq (local.get $kind) (i32.const 2)) (then (local.set $step (i32.const 8))))
    (loop $block
      (local.set $r (i32x4.sub
        (f32x4.add
          (f32x4.pmin (f32x4.pmax
            (f32x4.mul (f32x4.convert_i32x4_s (v128.load (local.get $src))) (v128.load (local.get $t)))
            (local.get $lov)) (local.get $hiv))
          (v128.const f32x4 12582912 12582912 12582912 12582912))
        (local.get $zpv)))
      (if (i32.eqz (local.get $kind))
        (then (v128.store (local.get $dst) (local.get $r)))
        (else
          (local.set $r (i16x8.narrow_i32x4_s (local.get $r) (local.get $r)))
          (if (i32.eq (local.get $kind) (i32.const 1))
            (then (v128.store32_lane 0 (local.get $dst) (i8x16.narrow_i16x8_s (local.get $r) (local.get $r))))
            (else (v128.store64_lane 0 (local.get $dst) (local.get $r))))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (local.get $step)))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
      (if (i32.ge_u (local.get $t) (local.get $tend)) (then (local.set $t (local.get $table))))
      (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))

  ;; TFLite's epilogue one element at a time in i64, for what the four-lane loop does not take: single rounding
  ;; with a left shift (shift > 0), whose product must not saturate before the division. Table: (m, shift) i32
  ;; pairs, one per channel, $channels of them.
  ;;   double: x = sat32(acc << left); h = (x · m + 2^30) >> 31; RoundingDivideByPOT(h, e) as gemmlowp writes it
  ;;   single: q = sat32((acc · m + 2^(ts − 1)) >> ts), ts = 31 − shift
  (func (export "tflite_scalar") (param $src i32) (param $dst i32) (param $n i32) (param $table i32)
                                 (param $channels i32) (param $single i32) (param $lo i32) (param $hi i32)
                                 (param $zp i32) (param $kind i32)
    (local $t i32) (local $tend i32) (local $m i64) (local $s i32) (local $x i64) (local $q i64) (local $h i32)
    (local $e i32) (local $mask i32) (local $r i32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $t (local.get $table))
    (local.set $tend (i32.add (local.get $table) (i32.shl (local.get $channels) (i32.const 3))))
    (loop $element
      (local.set $x (i64.extend_i32_s (i32.load (local.get $src))))
      (local.set $m (i64.extend_i32_s (i32.load (local.get $t))))
      (local.set $s (i32.load offset=4 (local.get $t)))
      (if (local.get $single)
        (then
          (local.set $q (i64.shr_s
            (i64.add (i64.mul (local.get $x) (local.get $m))
              (i64.shl (i64.const 1) (i64.extend_i32_s (i32.sub (i32.const 30) (local.get $s)))))
            (i64.extend_i32_s (i32.sub (i32.const 31) (local.get $s)))))
          (local.set $q (select (i64.const 2147483647) (local.get $q) (i64.gt_s (local.get $q) (i64.const 2147483647))))
          (local.set $q (select (i64.const -2147483648) (local.get $q) (i64.lt_s (local.get $q) (i64.const -2147483648))))
          (local.set $r (i32.wrap_i64 (local.get $q))))
        (else
          (if (i32.gt_s (local.get $s) (i32.const 0))
            (then
              (local.set $x (i64.shl (local.get $x) (i64.extend_i32_s (local.get $s))))
              (local.set $x (select (i64.const 2147483647) (local.get $x) (i64.gt_s (local.get $x) (i64.const 2147483647))))
              (local.set $x (select (i64.const -2147483648) (local.get $x) (i64.lt_s (local.get $x) (i64.const -2147483648))))
              (local.set $e (i32.const 0)))
            (else (local.set $e (i32.sub (i32.const 0) (local.get $s)))))
          (local.set $h (i32.wrap_i64 (i64.shr_s
            (i64.add (i64.mul (local.get $x) (local.get $m)) (i64.const 1073741824)) (i64.const 31))))
          (local.set $mask (i32.sub (i32.shl (i32.const 1) (local.get $e)) (i32.const 1)))
          (local.set $r (i32.add (i32.shr_s (local.get $h) (local.get $e))
            (i32.gt_s (i32.and (local.get $h) (local.get $mask))
              (i32.add (i32.shr_s (local.get $mask) (i32.const 1)) (i32.lt_s (local.get $h) (i32.const 0))))))))
      (local.set $r (select (local.get $lo) (local.get $r) (i32.lt_s (local.get $r) (local.get $lo))))
      (local.set $r (select (local.get $hi) (local.get $r) (i32.gt_s (local.get $r) (local.get $hi))))
      (local.set $r (i32.add (local.get $r) (local.get $zp)))
      (if (i32.eqz (local.get $kind))
        (then (i32.store (local.get $dst) (local.get $r))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4))))
        (else (if (i32.eq (local.get $kind) (i32.const 1))
          (then (i32.store8 (local.get $dst) (local.get $r))
                (local.set $dst (i32.add (local.get $dst) (i32.const 1))))
          (else (i32.store16 (local.get $dst) (local.get $r))
                (local.set $dst (i32.add (local.get $dst) (i32.const 2)))))))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (if (i32.ge_u (local.get $t) (local.get $tend)) (then (local.set $t (local.get $table))))
      (br_if $element (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
)
