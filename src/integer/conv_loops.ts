import type { WindowGeometry } from './geometry';

/**
 * The JavaScript convolution loops, shared by the int8 kernels (when WebAssembly is unavailable or not wanted) and
 * the 16x8 kernels. Not part of the public API: arguments are checked by the callers.
 *
 * Sums are exact: every product is below 2^23 in magnitude and a double holds integers up to 2^53, so a window of
 * fewer than 2^30 products accumulates without rounding. Writing the sum into an Int32Array wraps it modulo 2^32
 * (ToInt32), as the runtimes' int32 registers do; a Float64Array keeps it whole (the 16x8 int64 accumulator).
 * Taps outside the input contribute nothing, which is what padding with the zero point gives.
 */

/** acc[n, oy, ox, o] = bias[o] + Σ_{ky, kx, c} (x[n, iy, ix, c] − zp) · w[ky, kx, c, o]. */
export function convLoop(x: ArrayLike<number>, zp: number, g: WindowGeometry, w: ArrayLike<number>, outChannels: number,
  bias: ArrayLike<number> | undefined, out: Int32Array | Float64Array): void {
  const { inHeight, inWidth, channels: c, kernelHeight, kernelWidth } = g;
  const oc = outChannels;
  const acc = new Float64Array(oc);
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let k = 0; k < oc; k++) acc[k] = bias ? bias[k] : 0;
        for (let ky = 0; ky < kernelHeight; ky++) {
          const iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kx = 0; kx < kernelWidth; kx++) {
            const ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((n * inHeight + iy) * inWidth + ix) * c;
            const wBase = (ky * kernelWidth + kx) * c * oc;
            for (let ic = 0; ic < c; ic++) {
              const v = x[xBase + ic] - zp;
              if (v === 0) continue;
              const row = wBase + ic * oc;
              for (let k = 0; k < oc; k++) acc[k] += v * w[row + k];
            }
          }
        }
        for (let k = 0; k < oc; k++) out[o++] = acc[k];
      }
    }
  }
}

/**
 * acc[n, oy, ox, c · m + j] = bias[c · m + j] + Σ_{ky, kx} (x[n, iy, ix, c] − zp) · w[ky, kx, c, j], for a channel
 * multiplier m (TF.js depthwise layout [kh, kw, inC, m]; output channel c · m + j, as TFLite and ONNX's group conv).
 */
export function depthwiseLoop(x: ArrayLike<number>, zp: number, g: WindowGeometry, w: ArrayLike<number>,
  multiplier: number, bias: ArrayLike<number> | undefined, out: Int32Array | Float64Array): void {
  const { inHeight, inWidth, channels: c, kernelHeight, kernelWidth } = g;
  const oc = c * multiplier;
  const acc = new Float64Array(oc);
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let k = 0; k < oc; k++) acc[k] = bias ? bias[k] : 0;
        for (let ky = 0; ky < kernelHeight; ky++) {
          const iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kx = 0; kx < kernelWidth; kx++) {
            const ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((n * inHeight + iy) * inWidth + ix) * c;
            const wBase = (ky * kernelWidth + kx) * oc;
            for (let ic = 0; ic < c; ic++) {
              const v = x[xBase + ic] - zp;
              for (let j = 0; j < multiplier; j++) acc[ic * multiplier + j] += v * w[wBase + ic * multiplier + j];
            }
          }
        }
        for (let k = 0; k < oc; k++) out[o++] = acc[k];
      }
    }
  }
}
