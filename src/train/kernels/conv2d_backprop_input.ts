import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { withKernels } from './kernel_scope';
import { checkShape, checkNhwc } from './check';

/**
 * Conv2DBackpropInput (the transposed convolution) built from a forward convolution. For dy [n, oh, ow, co], filter
 * W [fh, fw, ci, co], stride s and padding (top, left):
 *
 *   dx[b, y, x, ci] = Σ_{kh, kw, co} D[b, y + top − kh, x + left − kw, co] · W[kh, kw, ci, co]
 *
 * where D is dy spread by the stride (dy[i, j] at (i·sh, j·sw), zeros between). That is a stride-1 convolution of D,
 * padded by fh − 1 − top before (and what makes the output h rows after; negative amounts crop), with W flipped in
 * both spatial axes and transposed to [fh, fw, co, ci]. NHWC only. It replaces wasm's own kernel, a scalar loop
 * about 11× slower than its XNNPACK forward convolution on a 3×3 32→32 layer.
 */
export function conv2dBackpropInput(
  args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: KernelBackend; attrs: Conv2DBackpropInputAttrs },
  backendName: string,
): TensorInfo {
  const fn = 'Conv2DBackpropInput';
  const { inputs: { dy, filter }, backend, attrs } = args;
  checkNhwc(fn, attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number],
    attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  checkShape(fn, 'dy', dy.shape, [info.batchSize, oh, ow, info.outChannels]);
  const before = [fh - 1 - info.padInfo.top, fw - 1 - info.padInfo.left];
  const after = [h + fh - 1 - before[0] - oh * sh, w + fw - 1 - before[1] - ow * sw];
  return withKernels(backend, backendName, fn, (k) => {
    const spread = k.spread(dy, sh, sw);
    const cropped = k.padOrCrop(spread, [[0, 0], [Math.min(before[0], 0), Math.min(after[0], 0)], [Math.min(before[1], 0), Math.min(after[1], 0)], [0, 0]]);
    const pad = [[0, 0], [Math.max(before[0], 0), Math.max(after[0], 0)], [Math.max(before[1], 0), Math.max(after[1], 0)], [0, 0]];
    const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wT = k.transpose(flipped, [0, 1, 3, 2]);
    return k.run('Conv2D', { x: cropped, filter: wT }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] });
  });
}
