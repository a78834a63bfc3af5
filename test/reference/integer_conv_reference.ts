/**
 * Obviously-correct integer convolutions, written differently from src/integer on purpose: the input is first
 * padded explicitly with its zero point (ONNX's definition of padding), then every output is a BigInt sum over the
 * whole window, wrapped to int32 (or kept as int64) at the end with BigInt.asIntN. Slow; for tests only.
 */

export interface RefGeometry {
  readonly strides: [number, number];
  readonly dilations: [number, number];
  /** [[top, bottom], [left, right]], already resolved. */
  readonly pads: [[number, number], [number, number]];
}

/** TF SAME padding for one axis: [before, after]. */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function padInput(x: ArrayLike<number>, shape: number[], zp: number, pads: RefGeometry['pads']) {
  const [n, h, w, c] = shape;
  const hp = h + pads[0][0] + pads[0][1];
  const wp = w + pads[1][0] + pads[1][1];
  const padded: number[] = new Array(n * hp * wp * c).fill(zp);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
    padded[((b * hp + y + pads[0][0]) * wp + xx + pads[1][0]) * c + ch] = x[((b * h + y) * w + xx) * c + ch];
  }
  return { padded, hp, wp };
}

/**
 * Grouped convolution over NHWC input with filter [kh, kw, inC / groups, outC] where output channel o belongs to
 * group floor(o / (outC / groups)); depthwise is groups = inC. Returns exact BigInt sums including the bias.
 */
export function convReferenceBig(x: ArrayLike<number>, shape: number[], zp: number, w: ArrayLike<number>,
  wShape: number[], groups: number, g: RefGeometry, bias?: ArrayLike<number | bigint>):
  { values: bigint[]; shape: number[] } {
  const [n, , , c] = shape;
  const [kh, kw, cg, oc] = wShape;
  const { padded, hp, wp } = padInput(x, shape, zp, g.pads);
  const outH = Math.floor((hp - ((kh - 1) * g.dilations[0] + 1)) / g.strides[0]) + 1;
  const outW = Math.floor((wp - ((kw - 1) * g.dilations[1] + 1)) / g.strides[1]) + 1;
  const perGroup = oc / groups;
  const values: bigint[] = [];
  for (let b = 0; b < n; b++) for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) {
    for (let o = 0; o < oc; o++) {
      const group = Math.floor(o / perGroup);
      let s = bias ? BigInt(bias[o]) : 0n;
      for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) for (let i = 0; i < cg; i++) {
        const iy = oy * g.strides[0] + ky * g.dilations[0];
        const ix = ox * g.strides[1] + kx * g.dilations[1];
        const xv = padded[((b * hp + iy) * wp + ix) * c + group * cg + i] - zp;
        s += BigInt(xv) * BigInt(w[((ky * kw + kx) * cg + i) * oc + o]);
      }
      values.push(s);
    }
  }
  return { values, shape: [n, outH, outW, oc] };
}

/** {@link convReferenceBig} wrapped to int32 like the runtimes' registers. */
export function convReference32(x: ArrayLike<number>, shape: number[], zp: number, w: ArrayLike<number>,
  wShape: number[], groups: number, g: RefGeometry, bias?: ArrayLike<number>): { values: Int32Array; shape: number[] } {
  const r = convReferenceBig(x, shape, zp, w, wShape, groups, g, bias);
  return { values: Int32Array.from(r.values, (v) => Number(BigInt.asIntN(32, v))), shape: r.shape };
}

/** TF.js depthwise filter [kh, kw, inC, m] as a grouped-conv filter [kh, kw, 1, inC · m] (output c · m + j). */
export function depthwiseAsGrouped(w: ArrayLike<number>, wShape: number[]): { w: Int8Array; wShape: number[] } {
  const [kh, kw, c, m] = wShape;
  const out = new Int8Array(kh * kw * c * m);
  for (let t = 0; t < kh * kw; t++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < m; j++) {
    out[t * c * m + ch * m + j] = w[(t * c + ch) * m + j];
  }
  return { w: out, wShape: [kh, kw, 1, c * m] };
}
