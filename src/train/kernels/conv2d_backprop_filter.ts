import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { withKernels } from './kernel_scope';
import { checkShape, checkNhwc } from './check';

/**
 * Conv2DBackpropFilter built from a forward convolution, so it runs at forward-convolution speed on any backend with
 * a fast Conv2D (wasm: XNNPACK). For x [n, h, w, ci], dy [n, oh, ow, co], stride s and padding (top, left):
 *
 *   dW[kh, kw, ci, co] = Σ_{b, i, j} x[b, i·sh + kh − top, j·sw + kw − left, ci] · dy[b, i, j, co]
 *
 * which is a convolution of x' = x transposed to [ci, h, w, n] (channels as the batch, the batch as channels) with
 * the filter dy' = dy transposed to [oh, ow, n, co], dilated by the stride, giving [ci, fh, fw, co]. Padding rows
 * outside x are zeros; the bottom/right padding is chosen so the output is exactly fh × fw (negative: crop x).
 * NHWC only; the gradient of conv2d in TF.js has no dilation.
 */
export function conv2dBackpropFilter(
  args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: KernelBackend; attrs: Conv2DBackpropFilterAttrs },
  backendName: string,
): TensorInfo {
  const fn = 'Conv2DBackpropFilter';
  const { inputs: { x, dy }, backend, attrs } = args;
  checkNhwc(fn, attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape,
    attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  checkShape(fn, 'dy', dy.shape, [info.batchSize, oh, ow, info.outChannels]);
  const { top, left } = info.padInfo;
  const bottom = (fh - 1) + (oh - 1) * sh + 1 - h - top;
  const right = (fw - 1) + (ow - 1) * sw + 1 - w - left;
  return withKernels(backend, backendName, fn, (k) => {
    const xT = k.transpose(x, [3, 1, 2, 0]);
    const dyT = k.transpose(dy, [1, 2, 0, 3]);
    const cropped = k.padOrCrop(xT, [[0, 0], [Math.min(top, 0), Math.min(bottom, 0)], [Math.min(left, 0), Math.min(right, 0)], [0, 0]]);
    const pad = [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]];
    const conv = k.run('Conv2D', { x: cropped, filter: dyT }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [sh, sw] });
    return k.transpose(conv, [1, 2, 0, 3]);
  });
}
