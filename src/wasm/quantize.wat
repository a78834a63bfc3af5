;; Float32 values to integer codes in WebAssembly SIMD, bit-exact with src/quant/integer/codes.ts's quantizeValues
;; (the fake-quant executor's arithmetic, src/rounding.ts): for each value v (a float32, exact as a double),
;;   'tflite'   t = fround(v / scale),   r = roundHalfAwayFromZero(t) = trunc(t + copysign(1/2, t))
;;   'onnx'     t = fround(v / scale),   r = roundHalfToEven(t)
;;   'pytorch'  t = fround(v · inverse), r = roundHalfToEven(t)      inverse = fround(1 / scale)
;;   code = clamp(r + zeroPoint, qmin, qmax)
;; The division is a double division rounded once more to float32 (f32x4.demote), as JavaScript's
;; Math.fround(v / scale) computes it; t + 1/2 is exact in double (t has 24 significant bits). The loader
;; (src/wasm/quantize_kernels.ts) copies values in and codes out; test/quant/quantize_wasm.test.ts checks it.
(module
  (memory (export "memory") 1)

  ;; $blocks blocks of 4 float32 at $src to codes at $dst ($kind 1 = int8, 2 = int16); $mode 0 tflite, 1 onnx,
  ;; 2 pytorch ($factor is the scale for 0 and 1, the inverse for 2). Returns 1 when some value is NaN or ±Infinity
  ;; (their codes are then meaningless), else 0.
  (func (export "quantize") (param $src i32) (param $dst i32) (param $blocks i32) (param $factor f64) (param $zp f64)
                            (param $qmin f64) (param $qmax f64) (param $mode i32) (param $kind i32) (result i32)
    (local $v v128) (local $a v128) (local $b v128) (local $bad v128) (local $f v128) (local $zpv v128)
    (local $lo v128) (local $hi v128) (local $r v128)
    (if (i32.eqz (local.get $blocks)) (then (return (i32.const 0))))
    (local.set $f (f64x2.splat (local.get $factor)))
    (local.set $zpv (f64x2.splat (local.get $zp)))
    (local.set $lo (f64x2.splat (local.get $qmin)))
    (local.set $hi (f64x2.splat (local.get $qmax)))
    (loop $block
      (local.set $v (v128.load (local.get $src)))
      (local.set $a (f64x2.promote_low_f32x4 (local.get $v)))
      (local.set $b (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
      ;; v − v is NaN exactly for NaN and ±Infinity
      (local.set $bad (v128.or (local.get $bad)
        (f32x4.ne (f32x4.sub (local.get $v) (local.get $v)) (f32x4.sub (local.get $v) (local.get $v)))))
      (if (i32.eq (local.get $mode) (i32.const 2))
        (then
          (local.set $a (f64x2.mul (local.get $a) (local.get $f)))
          (local.set $b (f64x2.mul (local.get $b) (local.get $f))))
        (else
          (local.set $a (f64x2.div (local.get $a) (local.get $f)))
          (local.set $b (f64x2.div (local.get $b) (local.get $f)))))
      ;; fround
      (local.set $a (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $a))))
      (local.set $b (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $b))))
      (if (i32.eqz (local.get $mode))
        (then
          (local.set $a (f64x2.trunc (f64x2.add (local.get $a)
            (v128.or (v128.and (local.get $a) (v128.const i64x2 0x8000000000000000 0x8000000000000000))
              (v128.const f64x2 0.5 0.5)))))
          (local.set $b (f64x2.trunc (f64x2.add (local.get $b)
            (v128.or (v128.and (local.get $b) (v128.const i64x2 0x8000000000000000 0x8000000000000000))
              (v128.const f64x2 0.5 0.5))))))
        (else
          (local.set $a (f64x2.nearest (local.get $a)))
          (local.set $b (f64x2.nearest (local.get $b)))))
      (local.set $a (f64x2.pmin (f64x2.pmax (f64x2.add (local.get $a) (local.get $zpv)) (local.get $lo)) (local.get $hi)))
      (local.set $b (f64x2.pmin (f64x2.pmax (f64x2.add (local.get $b) (local.get $zpv)) (local.get $lo)) (local.get $hi)))
      (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (i32x4.trunc_sat_f64x2_s_zero (local.get $a)) (i32x4.trunc_sat_f64x2_s_zero (local.get $b))))
      (local.set $r (i16x8.narrow_i32x4_s (local.get $r) (local.get $r)))
      (if (i32.eq (local.get $kind) (i32.const 1))
        (then
          (v128.store32_lane 0 (local.get $dst) (i8x16.narrow_i16x8_s (local.get $r) (local.get $r)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4))))
        (else
          (v128.store64_lane 0 (local.get $dst) (local.get $r))
          (local.set $dst (i32.add (local.get $dst) (i32.const 8)))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))
    (v128.any_true (local.get $bad)))
)
