;; Fake quantization of float32 values in place in tfjs-backend-wasm's heap: the module imports the backend's memory,
;; so a tensor is read and its result written where the backend keeps them, one pass instead of the four to eleven
;; element-wise ops (and their intermediate tensors) that the same arithmetic takes as tfjs ops. For each value v:
;;   mode 0 'tflite'   t = v / scale (float32),   r = roundHalfAwayFromZero(t)
;;   mode 1 'onnx'     t = v / scale (float32),   r = roundHalfToEven(t)
;;   mode 2 'pytorch'  t = v * inverse (float32), r = roundHalfToEven(t)      inverse = fround(1 / scale)
;;   out = clamp(r, lo, hi) * scale (float32)      lo = qmin - zeroPoint, hi = qmax - zeroPoint
;; which is src/rounding.ts's roundToGrid, clamped and dequantized: every step is one correctly rounded float32
;; operation, as JavaScript's Math.fround of the double result. Half away from zero is floor(|t|) plus one when
;; |t| - floor(|t|) >= 1/2 (that difference is exact in float32), with t's sign put back; t + 1/2 would round
;; 0.49999997 up. NaN stays NaN. src/wasm/fake_quant_kernel.ts binds it; test/quant/fake_quant_wasm.test.ts checks it
;; against the float64 reference.
(module
  (import "env" "memory" (memory 1))

  ;; Rounds half away from zero; inlined by hand in the tflite loop below, kept whole here for the tail.
  (func $half_away (param $t v128) (result v128)
    (local $a v128) (local $f v128)
    (local.set $a (f32x4.abs (local.get $t)))
    (local.set $f (f32x4.floor (local.get $a)))
    (v128.or
      (f32x4.add (local.get $f)
        (v128.and (f32x4.ge (f32x4.sub (local.get $a) (local.get $f)) (v128.const f32x4 0.5 0.5 0.5 0.5))
                  (v128.const f32x4 1 1 1 1)))
      (v128.and (local.get $t) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))

  ;; $n float32 values at byte address $src to $dst (the same address is allowed). One loop per mode: V8 calls, rather
  ;; than inlines, a helper function, and a call or a mode test per block costs as much as the arithmetic.
  (func (export "fake_quantize") (param $src i32) (param $dst i32) (param $n i32) (param $scale f32)
                                 (param $inverse f32) (param $lo f32) (param $hi f32) (param $mode i32)
    (local $s v128) (local $inv v128) (local $lov v128) (local $hiv v128) (local $t v128) (local $a v128) (local $f v128)
    (local $blocks i32)
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $inv (f32x4.splat (local.get $inverse)))
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $blocks (i32.shr_u (local.get $n) (i32.const 2)))
    (if (local.get $blocks)
      (then
        (if (i32.eqz (local.get $mode))
          (then
        (loop $tflite
          (local.set $t (f32x4.div (v128.load (local.get $src)) (local.get $s)))
          (local.set $a (f32x4.abs (local.get $t)))
          (local.set $f (f32x4.floor (local.get $a)))
          (local.set $t (v128.or
            (f32x4.add (local.get $f)
              (v128.and (f32x4.ge (f32x4.sub (local.get $a) (local.get $f)) (v128.const f32x4 0.5 0.5 0.5 0.5))
                        (v128.const f32x4 1 1 1 1)))
            (v128.and (local.get $t) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
          (v128.store (local.get $dst)
            (f32x4.mul (f32x4.pmin (f32x4.pmax (local.get $t) (local.get $lov)) (local.get $hiv)) (local.get $s)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (br_if $tflite (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))
          (else (if (i32.eq (local.get $mode) (i32.const 1))
            (then
        (loop $$onnx
          (local.set $t (f32x4.div (v128.load (local.get $src)) (local.get $s)))
          (local.set $t (f32x4.nearest (local.get $t)))
          (v128.store (local.get $dst)
            (f32x4.mul (f32x4.pmin (f32x4.pmax (local.get $t) (local.get $lov)) (local.get $hiv)) (local.get $s)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (br_if $$onnx (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))
            (else
        (loop $$pytorch
          (local.set $t (f32x4.mul (v128.load (local.get $src)) (local.get $inv)))
          (local.set $t (f32x4.nearest (local.get $t)))
          (v128.store (local.get $dst)
            (f32x4.mul (f32x4.pmin (f32x4.pmax (local.get $t) (local.get $lov)) (local.get $hiv)) (local.get $s)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (br_if $$pytorch (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))))))))
    ;; the last 1-3 values one at a time, in lane 0
    (local.set $n (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $n)
      (then
        (loop $tail
          (local.set $t (f32x4.splat (f32.load (local.get $src))))
          (local.set $t (if (result v128) (i32.eq (local.get $mode) (i32.const 2))
            (then (f32x4.mul (local.get $t) (local.get $inv)))
            (else (f32x4.div (local.get $t) (local.get $s)))))
          (local.set $t (if (result v128) (i32.eqz (local.get $mode))
            (then (call $half_away (local.get $t)))
            (else (f32x4.nearest (local.get $t)))))
          (f32.store (local.get $dst) (f32x4.extract_lane 0
            (f32x4.mul (f32x4.pmin (f32x4.pmax (local.get $t) (local.get $lov)) (local.get $hiv)) (local.get $s))))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br_if $tail (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))))
)
