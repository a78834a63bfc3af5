;; Integer convolution loops in WebAssembly SIMD: int8/uint8 activations minus their zero point, times int8
;; weights, accumulated exactly in int32. The loader (src/wasm/integer_kernels.ts) lays out memory and the plain
;; loops in test/reference/integer_conv_reference.ts are what these are tested against, bit for bit.
;;
;; Exactness: operands are staged as int16 with |x - zp| <= 255 and |w| <= 128, so one i32x4.dot_i16x8_s lane
;; (two products) is at most 2 * 255 * 128 = 65280 in magnitude, far inside int32; the accumulators are int32 and
;; wrap modulo 2^32 exactly as the runtimes' int32 registers do.
(module
  (memory (export "memory") 1)

  ;; Copies $pixels runs of $c bytes (int8 when $signed, else uint8) from $src (runs back to back) to int16 runs
  ;; at $dst that are $stride elements apart, subtracting $zp. The $stride - $c trailing elements of each run are
  ;; left as they are (the caller zeroes them once).
  (func (export "stage") (param $src i32) (param $dst i32) (param $pixels i32) (param $c i32) (param $stride i32)
                         (param $zp i32) (param $signed i32)
    (local $p i32) (local $i i32) (local $vec_end i32) (local $zpv v128) (local $s i32) (local $d i32)
    (local.set $zpv (i16x8.splat (local.get $zp)))
    (local.set $vec_end (i32.and (local.get $c) (i32.const -8)))
    (local.set $s (local.get $src))
    (local.set $d (local.get $dst))
    (block $pixels_done
      (loop $pixel
        (br_if $pixels_done (i32.ge_u (local.get $p) (local.get $pixels)))
        (local.set $i (i32.const 0))
        (if (local.get $signed)
          (then
            (block $vd (loop $v
              (br_if $vd (i32.ge_u (local.get $i) (local.get $vec_end)))
              (v128.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 1)))
                (i16x8.sub (v128.load8x8_s (i32.add (local.get $s) (local.get $i))) (local.get $zpv)))
              (local.set $i (i32.add (local.get $i) (i32.const 8)))
              (br $v)))
            (block $td (loop $t
              (br_if $td (i32.ge_u (local.get $i) (local.get $c)))
              (i32.store16 (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 1)))
                (i32.sub (i32.load8_s (i32.add (local.get $s) (local.get $i))) (local.get $zp)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $t))))
          (else
            (block $vd (loop $v
              (br_if $vd (i32.ge_u (local.get $i) (local.get $vec_end)))
              (v128.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 1)))
                (i16x8.sub (v128.load8x8_u (i32.add (local.get $s) (local.get $i))) (local.get $zpv)))
              (local.set $i (i32.add (local.get $i) (i32.const 8)))
              (br $v)))
            (block $td (loop $t
              (br_if $td (i32.ge_u (local.get $i) (local.get $c)))
              (i32.store16 (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 1)))
                (i32.sub (i32.load8_u (i32.add (local.get $s) (local.get $i))) (local.get $zp)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $t)))))
        (local.set $s (i32.add (local.get $s) (local.get $c)))
        (local.set $d (i32.add (local.get $d) (i32.shl (local.get $stride) (i32.const 1))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pixel))))

  ;; Convolution as a sum over taps and channel quads, four output pixels by eight output channels at a time.
  ;;   $in     staged int16 input (zero point already subtracted; padding is 0)
  ;;   $pix    i32 table: byte offset from $in of each output pixel's first tap; $npix is a multiple of 4
  ;;   $taps   i32 table: byte offset of each of the $ntaps taps relative to the pixel's offset
  ;;   $quads  channel quads per tap (channels padded to a multiple of 4)
  ;;   $w      packed int16 weights [ocb][tap][quad][pair][8 oc][2]: the two values of a channel pair side by side,
  ;;           so i32x4.dot_i16x8_s of a splatted input pair gives four output channels at once
  ;;   $ocb    output channel blocks of 8; $bias int32 [ocb * 8], the accumulators' start; $out int32 [npix][ocb * 8]
  (func (export "conv") (param $in i32) (param $pix i32) (param $npix i32) (param $taps i32) (param $ntaps i32)
                        (param $quads i32) (param $w i32) (param $ocb i32) (param $bias i32) (param $out i32)
    (local $pb i32) (local $pend i32) (local $ob i32) (local $tp i32) (local $tend i32) (local $off i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $aend i32)
    (local $wp i32) (local $o i32) (local $rowbytes i32)
    (local $wa v128) (local $wb v128) (local $x v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local.set $pend (i32.add (local.get $pix) (i32.shl (local.get $npix) (i32.const 2))))
    (local.set $tend (i32.add (local.get $taps) (i32.shl (local.get $ntaps) (i32.const 2))))
    (local.set $rowbytes (i32.shl (local.get $ocb) (i32.const 5)))
    (local.set $pb (local.get $pix))
    (local.set $o (local.get $out))
    (block $pixels_done
      (loop $pixel_block
        (br_if $pixels_done (i32.ge_u (local.get $pb) (local.get $pend)))
        (local.set $p0 (i32.add (local.get $in) (i32.load (local.get $pb))))
        (local.set $p1 (i32.add (local.get $in) (i32.load offset=4 (local.get $pb))))
        (local.set $p2 (i32.add (local.get $in) (i32.load offset=8 (local.get $pb))))
        (local.set $p3 (i32.add (local.get $in) (i32.load offset=12 (local.get $pb))))
        (local.set $wp (local.get $w))
        (local.set $ob (i32.const 0))
        (block $blocks_done
          (loop $block
            (br_if $blocks_done (i32.ge_u (local.get $ob) (local.get $ocb)))
            (local.set $c0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $ob) (i32.const 5)))))
            (local.set $c1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $ob) (i32.const 5)))))
            (local.set $c2 (local.get $c0))
            (local.set $c3 (local.get $c1))
            (local.set $c4 (local.get $c0))
            (local.set $c5 (local.get $c1))
            (local.set $c6 (local.get $c0))
            (local.set $c7 (local.get $c1))
            (local.set $tp (local.get $taps))
            (block $taps_done
              (loop $tap
                (br_if $taps_done (i32.ge_u (local.get $tp) (local.get $tend)))
                (local.set $off (i32.load (local.get $tp)))
                (local.set $a0 (i32.add (local.get $p0) (local.get $off)))
                (local.set $a1 (i32.add (local.get $p1) (local.get $off)))
                (local.set $a2 (i32.add (local.get $p2) (local.get $off)))
                (local.set $a3 (i32.add (local.get $p3) (local.get $off)))
                (local.set $aend (i32.add (local.get $a0) (i32.shl (local.get $quads) (i32.const 3))))
                (loop $quad
                  ;; first channel pair of the quad
                  (local.set $wa (v128.load (local.get $wp)))
                  (local.set $wb (v128.load offset=16 (local.get $wp)))
                  (local.set $x (v128.load32_splat (local.get $a0)))
                  (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $x (v128.load32_splat (local.get $a1)))
                  (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $x (v128.load32_splat (local.get $a2)))
                  (local.set $c4 (i32x4.add (local.get $c4) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c5 (i32x4.add (local.get $c5) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $x (v128.load32_splat (local.get $a3)))
                  (local.set $c6 (i32x4.add (local.get $c6) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c7 (i32x4.add (local.get $c7) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  ;; second channel pair
                  (local.set $wa (v128.load offset=32 (local.get $wp)))
                  (local.set $wb (v128.load offset=48 (local.get $wp)))
                  (local.set $x (v128.load32_splat offset=4 (local.get $a0)))
                  (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $x (v128.load32_splat offset=4 (local.get $a1)))
                  (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $x (v128.load32_splat offset=4 (local.get $a2)))
                  (local.set $c4 (i32x4.add (local.get $c4) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c5 (i32x4.add (local.get $c5) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $x (v128.load32_splat offset=4 (local.get $a3)))
                  (local.set $c6 (i32x4.add (local.get $c6) (i32x4.dot_i16x8_s (local.get $x) (local.get $wa))))
                  (local.set $c7 (i32x4.add (local.get $c7) (i32x4.dot_i16x8_s (local.get $x) (local.get $wb))))
                  (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
                  (local.set $a1 (i32.add (local.get $a1) (i32.const 8)))
                  (local.set $a2 (i32.add (local.get $a2) (i32.const 8)))
                  (local.set $a3 (i32.add (local.get $a3) (i32.const 8)))
                  (local.set $a0 (i32.add (local.get $a0) (i32.const 8)))
                  (br_if $quad (i32.lt_u (local.get $a0) (local.get $aend))))
                (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
                (br $tap)))
            ;; out[pixel j][ob * 8 .. ob * 8 + 7]
            (v128.store (local.get $o) (local.get $c0))
            (v128.store offset=16 (local.get $o) (local.get $c1))
            (v128.store (i32.add (local.get $o) (local.get $rowbytes)) (local.get $c2))
            (v128.store offset=16 (i32.add (local.get $o) (local.get $rowbytes)) (local.get $c3))
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $rowbytes) (i32.const 1))) (local.get $c4))
            (v128.store offset=16 (i32.add (local.get $o) (i32.shl (local.get $rowbytes) (i32.const 1))) (local.get $c5))
            (v128.store (i32.add (local.get $o) (i32.mul (local.get $rowbytes) (i32.const 3))) (local.get $c6))
            (v128.store offset=16 (i32.add (local.get $o) (i32.mul (local.get $rowbytes) (i32.const 3))) (local.get $c7))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (local.set $ob (i32.add (local.get $ob) (i32.const 1)))
            (br $block)))
        ;; $o has moved one pixel row; skip the other three rows of this block.
        (local.set $o (i32.add (local.get $o) (i32.mul (local.get $rowbytes) (i32.const 3))))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (br $pixel_block))))

  ;; Flips the sign bit of the $n bytes at $p, 16 at a time (up to 15 more): uint8 codes x become int8 x − 128.
  (func (export "flip") (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p)
          (v128.xor (v128.load (local.get $p)) (v128.const i32x4 0x80808080 0x80808080 0x80808080 0x80808080)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block))))

  ;; Depthwise convolution over the padded int8 input [rows][wp][c], four output pixels by eight channels at a time,
  ;; the kernel's taps two at a time: the two taps' 8 channels are sign-extended and interleaved, (x[t][c], x[t'][c]),
  ;; so i32x4.dot_i16x8_s with the weights (w[t][c], w[t'][c]) adds both products of four channels at once. Operands
  ;; are raw int8 codes (the zero point is folded into the bias by the caller: Σ (x − zp) · w = Σ x · w − zp · Σ w),
  ;; so a lane of one dot is at most 2 · 128 · 128 = 32768 in magnitude; the int32 sums wrap modulo 2^32 like the
  ;; runtimes'. Channel blocks past c read the next pixel's bytes: their weights are zero.
  ;;   $in     the padded input; $pix, $npix (a multiple of 4) as for "conv"
  ;;   $taps   i32 byte offsets of the $ntp tap pairs, two per pair; an odd tap count's last pair repeats its tap
  ;;           with a zero second weight
  ;;   $w      int16 weights [tap pair][$cb][8 channels][2]; $bias int32 [$cb · 8]; $out int32 [$npix][$cb · 8]
  ;; With $mode 1 (MLAS) or 2 (TFLite, accumulators under 2^21) the accumulators are requantized in place of being
  ;; stored, and $out receives int8 codes [$npix][$cb · 8]: $qt the plan's table ($qstride bytes per 8 channels), $lo
  ;; $hi $zp the loop's clamp arguments, $scratch 128 bytes.
  ;;
  ;; Mode 2 screens in float32 and takes requantize.wat's exact f64 path only for a block (4 pixels, 8 channels) with
  ;; a lane near a rounding tie. Let y = acc · m · 2^−(31+e), exact. TFLite's first rounding h = floor(acc · m / 2^31
  ;; + 1/2) (gemmlowp's nudge, either sign) puts h / 2^e in (y − 2^−(e+1), y + 2^−(e+1)], and RoundingDivideByPOT
  ;; rounds h / 2^e half away from zero: so its r is y rounded half away from zero unless y lies strictly within
  ;; W = 2^−(e+1) of a half-integer. With e = 0 or single rounding there is one rounding, half up: only exact ties
  ;; differ, W = 0.
  ;;   yf = fround(fround(acc) · ms)      ms = fround(m · 2^−(31+e)); |acc| < 2^21 is exact and every value is normal,
  ;;                                       so |yf − y| <= |y| · (2^−23 + 2^−48), under B = R · 2^−21 while |y| <= R =
  ;;                                       max(|lo|, |hi|) + 2
  ;;   d  = |yf − nearest(yf)|            exact (Sterbenz); 1/2 − d is yf's distance to the nearest half-integer
  ;; The table's float32 T <= 1/2 − W − B per channel. Where d < T, yf is more than W + B from every half-integer, so
  ;; y is more than W from one and on yf's side of it: r = nearest(yf) (not a tie, d < 1/2). Where |y| > R, r and
  ;; nearest(yf) are each within 1 of y (|yf − y| < 2^21 · 2^−22), so both lie past the same clamp bound. Any lane
  ;; with d >= T sends its block the exact way. nearest(yf) + 1.5 · 2^23 has the bits 0x4B400000 + nearest(yf)
  ;; (|yf| < 2^21), clamped against $lo and $hi moved by 0x4B400000 (the loader keeps them within ±2^22).
  (func (export "depthwise") (param $in i32) (param $pix i32) (param $npix i32) (param $taps i32) (param $ntp i32)
                             (param $cb i32) (param $w i32) (param $bias i32) (param $out i32) (param $mode i32)
                             (param $qt i32) (param $qstride i32) (param $lo i32) (param $hi i32) (param $zp i32)
                             (param $scratch i32)
    (local $tb i32) (local $k i32) (local $crow i32)
    (local $r v128) (local $prev v128) (local $f0 v128) (local $f1 v128) (local $lov v128) (local $hiv v128)
    (local $zpv v128) (local $blo v128) (local $bhi v128) (local $bzp v128)
    (local $pb i32) (local $pend i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $b i32) (local $boff i32) (local $tp i32) (local $tend i32) (local $off i32) (local $wp i32)
    (local $wstride i32) (local $o i32) (local $rowbytes i32)
    (local $off2 i32) (local $x v128) (local $y v128) (local $wl v128) (local $wh v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $l2 v128) (local $h2 v128) (local $l3 v128) (local $h3 v128)
    (local.set $pend (i32.add (local.get $pix) (i32.shl (local.get $npix) (i32.const 2))))
    (local.set $tend (i32.add (local.get $taps) (i32.shl (local.get $ntp) (i32.const 3))))
    (local.set $wstride (i32.shl (local.get $cb) (i32.const 5)))
    (local.set $rowbytes (i32.shl (local.get $cb) (i32.const 5)))
    (local.set $crow (i32.shl (local.get $cb) (i32.const 3)))
    (local.set $lov (i32x4.splat (local.get $lo)))
    (local.set $hiv (i32x4.splat (local.get $hi)))
    (local.set $zpv (i32x4.splat (local.get $zp)))
    (local.set $pb (local.get $pix))
    (local.set $o (local.get $out))
    (block $pixels_done
      (loop $pixel_block
        (br_if $pixels_done (i32.ge_u (local.get $pb) (local.get $pend)))
        (local.set $p0 (i32.add (local.get $in) (i32.load (local.get $pb))))
        (local.set $p1 (i32.add (local.get $in) (i32.load offset=4 (local.get $pb))))
        (local.set $p2 (i32.add (local.get $in) (i32.load offset=8 (local.get $pb))))
        (local.set $p3 (i32.add (local.get $in) (i32.load offset=12 (local.get $pb))))
        (local.set $b (i32.const 0))
        (block $blocks_done
          (loop $block
            (br_if $blocks_done (i32.ge_u (local.get $b) (local.get $cb)))
            (local.set $boff (i32.shl (local.get $b) (i32.const 3)))
            (local.set $l0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $b) (i32.const 5)))))
            (local.set $h0 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $b) (i32.const 5)))))
            (local.set $l1 (local.get $l0))
            (local.set $h1 (local.get $h0))
            (local.set $l2 (local.get $l0))
            (local.set $h2 (local.get $h0))
            (local.set $l3 (local.get $l0))
            (local.set $h3 (local.get $h0))
            (local.set $tp (local.get $taps))
            (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $b) (i32.const 5))))
            (loop $tap
              (local.set $off (i32.add (i32.load (local.get $tp)) (local.get $boff)))
              (local.set $off2 (i32.add (i32.load offset=4 (local.get $tp)) (local.get $boff)))
              (local.set $wl (v128.load (local.get $wp)))
              (local.set $wh (v128.load offset=16 (local.get $wp)))
              (local.set $x (v128.load8x8_s (i32.add (local.get $p0) (local.get $off))))
              (local.set $y (v128.load8x8_s (i32.add (local.get $p0) (local.get $off2))))
              (local.set $l0 (i32x4.add (local.get $l0) (i32x4.dot_i16x8_s
                (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (local.get $wl))))
              (local.set $h0 (i32x4.add (local.get $h0) (i32x4.dot_i16x8_s
                (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (local.get $wh))))
              (local.set $x (v128.load8x8_s (i32.add (local.get $p1) (local.get $off))))
              (local.set $y (v128.load8x8_s (i32.add (local.get $p1) (local.get $off2))))
              (local.set $l1 (i32x4.add (local.get $l1) (i32x4.dot_i16x8_s
                (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (local.get $wl))))
              (local.set $h1 (i32x4.add (local.get $h1) (i32x4.dot_i16x8_s
                (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (local.get $wh))))
              (local.set $x (v128.load8x8_s (i32.add (local.get $p2) (local.get $off))))
              (local.set $y (v128.load8x8_s (i32.add (local.get $p2) (local.get $off2))))
              (local.set $l2 (i32x4.add (local.get $l2) (i32x4.dot_i16x8_s
                (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (local.get $wl))))
              (local.set $h2 (i32x4.add (local.get $h2) (i32x4.dot_i16x8_s
                (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (local.get $wh))))
              (local.set $x (v128.load8x8_s (i32.add (local.get $p3) (local.get $off))))
              (local.set $y (v128.load8x8_s (i32.add (local.get $p3) (local.get $off2))))
              (local.set $l3 (i32x4.add (local.get $l3) (i32x4.dot_i16x8_s
                (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (local.get $wl))))
              (local.set $h3 (i32x4.add (local.get $h3) (i32x4.dot_i16x8_s
                (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (local.get $wh))))
              (local.set $wp (i32.add (local.get $wp) (local.get $wstride)))
              (br_if $tap (i32.lt_u (local.tee $tp (i32.add (local.get $tp) (i32.const 8))) (local.get $tend))))
            (if (local.get $mode)
              (then
                ;; Each pixel's 8 accumulators, back from $scratch into $l0 (channels b·8..b·8+3) and $h0 (the next
                ;; four), become 8 codes. Parking them there frees the registers the f64 arithmetic needs. It is
                ;; requantize.wat's, derived and proven there: mode 1 its "ort" loop, mode 2 its "tflite" short path
                ;; behind the screen above (table blocks of 4 channels of 320 bytes, so $h0's constants are 320 bytes
                ;; on).
                (local.set $tb (i32.add (local.get $qt) (i32.mul (local.get $b) (local.get $qstride))))
                (local.set $off (i32.add (local.get $o) (i32.shl (local.get $b) (i32.const 3))))
                (v128.store (local.get $scratch) (local.get $l0))
                (v128.store offset=16 (local.get $scratch) (local.get $h0))
                (v128.store offset=32 (local.get $scratch) (local.get $l1))
                (v128.store offset=48 (local.get $scratch) (local.get $h1))
                (v128.store offset=64 (local.get $scratch) (local.get $l2))
                (v128.store offset=80 (local.get $scratch) (local.get $h2))
                (v128.store offset=96 (local.get $scratch) (local.get $l3))
                (v128.store offset=112 (local.get $scratch) (local.get $h3))
                ;; Set here, not once for the call: live across the tap loop they would not fit the registers.
                (local.set $blo (i32x4.splat (i32.add (local.get $lo) (i32.const 0x4B400000))))
                (local.set $bhi (i32x4.splat (i32.add (local.get $hi) (i32.const 0x4B400000))))
                (local.set $bzp (i32x4.splat (i32.sub (local.get $zp) (i32.const 0x4B400000))))
                (local.set $k (local.get $scratch))
                ;; Mode 2's largest d per lane over the block's pixels, $x for $l0's channels and $y for $h0's.
                (local.set $x (v128.const i64x2 0 0))
                (local.set $y (v128.const i64x2 0 0))
                (loop $pixel
                  (local.set $l0 (v128.load (local.get $k)))
                  (local.set $h0 (v128.load offset=16 (local.get $k)))
                  (if (i32.eq (local.get $mode) (i32.const 1))
                    (then
                      (local.set $r (i32x4.sub
                        (f32x4.add
                          (f32x4.pmin (f32x4.pmax
                            (f32x4.mul (f32x4.convert_i32x4_s (local.get $l0)) (v128.load (local.get $tb)))
                            (local.get $lov)) (local.get $hiv))
                          (v128.const f32x4 12582912 12582912 12582912 12582912))
                        (local.get $zpv)))
                      (local.set $prev (i32x4.sub
                        (f32x4.add
                          (f32x4.pmin (f32x4.pmax
                            (f32x4.mul (f32x4.convert_i32x4_s (local.get $h0)) (v128.load offset=16 (local.get $tb)))
                            (local.get $lov)) (local.get $hiv))
                          (v128.const f32x4 12582912 12582912 12582912 12582912))
                        (local.get $zpv))))
                    (else
                      (local.set $f0 (f32x4.mul (f32x4.convert_i32x4_s (local.get $l0))
                        (v128.load offset=288 (local.get $tb))))
                      (local.set $f1 (f32x4.nearest (local.get $f0)))
                      (local.set $x (f32x4.pmax (local.get $x) (f32x4.abs (f32x4.sub (local.get $f0) (local.get $f1)))))
                      (local.set $r (i32x4.add (i32x4.min_s (i32x4.max_s
                        (f32x4.add (local.get $f1) (v128.const f32x4 12582912 12582912 12582912 12582912))
                        (local.get $blo)) (local.get $bhi)) (local.get $bzp)))
                      (local.set $f0 (f32x4.mul (f32x4.convert_i32x4_s (local.get $h0))
                        (v128.load offset=608 (local.get $tb))))
                      (local.set $f1 (f32x4.nearest (local.get $f0)))
                      (local.set $y (f32x4.pmax (local.get $y) (f32x4.abs (f32x4.sub (local.get $f0) (local.get $f1)))))
                      (local.set $prev (i32x4.add (i32x4.min_s (i32x4.max_s
                        (f32x4.add (local.get $f1) (v128.const f32x4 12582912 12582912 12582912 12582912))
                        (local.get $blo)) (local.get $bhi)) (local.get $bzp)))))
                  (v128.store64_lane 0 (local.get $off)
                    (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $r) (local.get $prev)) (local.get $r)))
                  (local.set $off (i32.add (local.get $off) (local.get $crow)))
                  (br_if $pixel (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 32)))
                    (i32.add (local.get $scratch) (i32.const 128)))))
                ;; Mode 2's rare blocks with a lane near a tie (d >= T): the 4 pixels again, exactly.
                (block $screened
                  (br_if $screened (i32.ne (local.get $mode) (i32.const 2)))
                  (br_if $screened (i32.eqz (v128.any_true (v128.or
                    (f32x4.ge (local.get $x) (v128.load offset=304 (local.get $tb)))
                    (f32x4.ge (local.get $y) (v128.load offset=624 (local.get $tb)))))))
                  (local.set $off (i32.add (local.get $o) (i32.shl (local.get $b) (i32.const 3))))
                  (local.set $k (local.get $scratch))
                  (loop $exact
                    (local.set $l0 (v128.load (local.get $k)))
                    (local.set $h0 (v128.load offset=16 (local.get $k)))
                    (local.set $f0 (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $l0))
                      (v128.load offset=160 (local.get $tb))))
                    (local.set $f1 (f64x2.mul
                      (f64x2.convert_low_i32x4_s
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $l0) (local.get $l0)))
                      (v128.load offset=176 (local.get $tb))))
                    (local.set $r (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                      (f64x2.add (f64x2.add (f64x2.add (local.get $f0) (v128.load offset=224 (local.get $tb)))
                        (v128.and (f64x2.lt (local.get $f0) (v128.load offset=192 (local.get $tb)))
                          (v128.load offset=256 (local.get $tb))))
                        (v128.const f64x2 0x1.8p52 0x1.8p52))
                      (f64x2.add (f64x2.add (f64x2.add (local.get $f1) (v128.load offset=240 (local.get $tb)))
                        (v128.and (f64x2.lt (local.get $f1) (v128.load offset=208 (local.get $tb)))
                          (v128.load offset=272 (local.get $tb))))
                        (v128.const f64x2 0x1.8p52 0x1.8p52))))
                    (local.set $r (i32x4.add (i32x4.min_s (i32x4.max_s (local.get $r) (local.get $lov)) (local.get $hiv))
                      (local.get $zpv)))
                    (local.set $f0 (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $h0))
                      (v128.load offset=480 (local.get $tb))))
                    (local.set $f1 (f64x2.mul
                      (f64x2.convert_low_i32x4_s
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $h0) (local.get $h0)))
                      (v128.load offset=496 (local.get $tb))))
                    (local.set $prev (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                      (f64x2.add (f64x2.add (f64x2.add (local.get $f0) (v128.load offset=544 (local.get $tb)))
                        (v128.and (f64x2.lt (local.get $f0) (v128.load offset=512 (local.get $tb)))
                          (v128.load offset=576 (local.get $tb))))
                        (v128.const f64x2 0x1.8p52 0x1.8p52))
                      (f64x2.add (f64x2.add (f64x2.add (local.get $f1) (v128.load offset=560 (local.get $tb)))
                        (v128.and (f64x2.lt (local.get $f1) (v128.load offset=528 (local.get $tb)))
                          (v128.load offset=592 (local.get $tb))))
                        (v128.const f64x2 0x1.8p52 0x1.8p52))))
                    (local.set $prev (i32x4.add (i32x4.min_s (i32x4.max_s (local.get $prev) (local.get $lov)) (local.get $hiv))
                      (local.get $zpv)))
                    (v128.store64_lane 0 (local.get $off)
                      (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $r) (local.get $prev)) (local.get $r)))
                    (local.set $off (i32.add (local.get $off) (local.get $crow)))
                    (br_if $exact (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 32)))
                      (i32.add (local.get $scratch) (i32.const 128)))))))
              (else
                ;; out[pixel j][b * 8 .. b * 8 + 7]
                (local.set $off (i32.add (local.get $o) (i32.shl (local.get $b) (i32.const 5))))
                (v128.store (local.get $off) (local.get $l0))
                (v128.store offset=16 (local.get $off) (local.get $h0))
                (local.set $off (i32.add (local.get $off) (local.get $rowbytes)))
                (v128.store (local.get $off) (local.get $l1))
                (v128.store offset=16 (local.get $off) (local.get $h1))
                (local.set $off (i32.add (local.get $off) (local.get $rowbytes)))
                (v128.store (local.get $off) (local.get $l2))
                (v128.store offset=16 (local.get $off) (local.get $h2))
                (local.set $off (i32.add (local.get $off) (local.get $rowbytes)))
                (v128.store (local.get $off) (local.get $l3))
                (v128.store offset=16 (local.get $off) (local.get $h3))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $block)))
        (local.set $o (i32.add (local.get $o)
          (i32.shl (select (local.get $crow) (local.get $rowbytes) (local.get $mode)) (i32.const 2))))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (br $pixel_block))))
)
