/**
 * Float64 references for the depthwise gradients with dilation (TF.js's CPU kernels ignore dilation in the
 * gradients, so they cannot serve as the reference there). NHWC, filter [fh, fw, c, m], dy [n, oh, ow, c·m].
 */
export interface DepthwiseGeometry {
  n: number; h: number; w: number; c: number; m: number; fh: number; fw: number;
  sh: number; sw: number; dh: number; dw: number; top: number; left: number; oh: number; ow: number;
}

function eachTap(g: DepthwiseGeometry, visit: (xIndex: number, dyIndex: number, wIndex: number) => void): void {
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < g.oh; i++) {
      for (let j = 0; j < g.ow; j++) {
        for (let kh = 0; kh < g.fh; kh++) {
          const y = i * g.sh + kh * g.dh - g.top;
          if (y < 0 || y >= g.h) continue;
          for (let kw = 0; kw < g.fw; kw++) {
            const x = j * g.sw + kw * g.dw - g.left;
            if (x < 0 || x >= g.w) continue;
            for (let c = 0; c < g.c; c++) {
              for (let q = 0; q < g.m; q++) {
                visit(((b * g.h + y) * g.w + x) * g.c + c, ((b * g.oh + i) * g.ow + j) * g.c * g.m + c * g.m + q,
                  ((kh * g.fw + kw) * g.c + c) * g.m + q);
              }
            }
          }
        }
      }
    }
  }
}

export function depthwiseFilterGradReference(g: DepthwiseGeometry, x: Float32Array, dy: Float32Array): Float64Array {
  const dW = new Float64Array(g.fh * g.fw * g.c * g.m);
  eachTap(g, (xi, di, wi) => { dW[wi] += x[xi] * dy[di]; });
  return dW;
}

export function depthwiseInputGradReference(g: DepthwiseGeometry, dy: Float32Array, filter: Float32Array): Float64Array {
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  eachTap(g, (xi, di, wi) => { dx[xi] += dy[di] * filter[wi]; });
  return dx;
}

/** Mulberry32: a small seeded generator; values uniform in [-1, 1). */
export function seededValues(seed: number, count: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max |a − b| / max |b| (0 when b is all zeros and a equals it). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
