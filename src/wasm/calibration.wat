;; Hot loops of calibration, in WebAssembly (SIMD where it pays): the extent scan every observer needs and the
;; streaming histogram's binning. The TypeScript loops in src/calibration/ are the reference they are tested against.
(module
  (memory (export "memory") 1)

  ;; Scans n float32 values at $data (16-byte aligned). Writes to $out: f32 min, f32 max, f32 poison, where poison
  ;; is the sum of (x - x): 0 when every value is finite, NaN as soon as one is NaN or +-Inf.
  (func (export "extent") (param $data i32) (param $n i32) (param $out i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local $min v128) (local $max v128) (local $poison v128)
    (local $smin f32) (local $smax f32) (local $spoison f32) (local $x f32)
    (local.set $min (f32x4.splat (f32.const inf)))
    (local.set $max (f32x4.splat (f32.const -inf)))
    (local.set $poison (f32x4.splat (f32.const 0)))
    (local.set $end (i32.add (local.get $data) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $i (local.get $data))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $min (f32x4.pmin (local.get $min) (local.get $v)))
        (local.set $max (f32x4.pmax (local.get $max) (local.get $v)))
        (local.set $poison (f32x4.add (local.get $poison) (f32x4.sub (local.get $v) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    ;; Fold the four lanes, then the n mod 4 tail.
    (local.set $smin (f32.min (f32.min (f32x4.extract_lane 0 (local.get $min)) (f32x4.extract_lane 1 (local.get $min)))
                              (f32.min (f32x4.extract_lane 2 (local.get $min)) (f32x4.extract_lane 3 (local.get $min)))))
    (local.set $smax (f32.max (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
                              (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
    (local.set $spoison (f32.add (f32.add (f32x4.extract_lane 0 (local.get $poison)) (f32x4.extract_lane 1 (local.get $poison)))
                                 (f32.add (f32x4.extract_lane 2 (local.get $poison)) (f32x4.extract_lane 3 (local.get $poison)))))
    (local.set $end (i32.add (local.get $data) (i32.shl (local.get $n) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (f32.load (local.get $i)))
        (local.set $smin (f32.min (local.get $smin) (local.get $x)))
        (local.set $smax (f32.max (local.get $smax) (local.get $x)))
        (local.set $spoison (f32.add (local.get $spoison) (f32.sub (local.get $x) (local.get $x))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))
    (f32.store (local.get $out) (local.get $smin))
    (f32.store offset=4 (local.get $out) (local.get $smax))
    (f32.store offset=8 (local.get $out) (local.get $spoison)))

;; Adds each of n float32 values at $data to the int32 counts at $counts, bin = floor(x * inverse) - start.
  ;; Exact: x * 2^k is exact, floor gives an integer, and adding $offset = 2^52 - start (an integer) to it is exact
  ;; below 2^53; the low 32 bits of that double's bit pattern are then the bin (bins < 2^32). Subtracting start
  ;; before the floor would round when x * inverse is tiny next to start; the saturating float-to-int conversion
  ;; costs more than this whole sequence in V8. Four values at a time: two f64x2 lanes each from the low and high
  ;; halves of an f32x4. The caller guarantees every bin is in [0, bins). Four interleaved copies of the counts
  ;; ($counts + j * bins * 4) break the store-to-load chain when neighbouring values share a bin; the caller sums.
  (func (export "bin") (param $data i32) (param $n i32) (param $counts i32) (param $bins i32)
                       (param $inverse f64) (param $offset f64)
    (local $i i32) (local $end i32) (local $stride i32) (local $a i32)
    (local $inv2 v128) (local $off2 v128) (local $lo v128) (local $hi v128)
    (local.set $inv2 (f64x2.splat (local.get $inverse)))
    (local.set $off2 (f64x2.splat (local.get $offset)))
    (local.set $stride (i32.shl (local.get $bins) (i32.const 2)))
    (local.set $end (i32.add (local.get $data) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $i (local.get $data))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $lo (f64x2.add (f64x2.floor (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $i))) (local.get $inv2))) (local.get $off2)))
        (local.set $hi (f64x2.add (f64x2.floor (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $i))) (local.get $inv2))) (local.get $off2)))
        (local.set $a (i32.add (local.get $counts) (i32.shl (i32x4.extract_lane 0 (local.get $lo)) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (i32.add (local.get $counts) (local.get $stride)) (i32.shl (i32x4.extract_lane 2 (local.get $lo)) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (i32.add (local.get $counts) (i32.shl (local.get $stride) (i32.const 1))) (i32.shl (i32x4.extract_lane 0 (local.get $hi)) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (i32.add (local.get $counts) (i32.mul (local.get $stride) (i32.const 3))) (i32.shl (i32x4.extract_lane 2 (local.get $hi)) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.add (local.get $data) (i32.shl (local.get $n) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $a (i32.add (local.get $counts) (i32.shl (i32.wrap_i64 (i64.reinterpret_f64 (f64.add (f64.floor (f64.mul (f64.promote_f32 (f32.load (local.get $i))) (local.get $inverse))) (local.get $offset)))) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
)
