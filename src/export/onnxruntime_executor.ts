import * as tf from '@tensorflow/tfjs-core';
import type { Graph } from '../graph/ir';

/** A model running in onnxruntime-node: its int8 kernels are the deployment reality the simulations must match. */
export interface OnnxRuntimeRunner {
  /** Runs one NHWC batch (transposed to the model's NCHW on the way in); the caller disposes the result. */
  run(x: tf.Tensor): Promise<tf.Tensor>;
  release(): Promise<void>;
}

/**
 * Opens an exported model (bytes or a file) in onnxruntime-node on `threads` intra-op threads (1 by default, for
 * reproducible timings). The graph tells the input layout: images go in NCHW. Loaded lazily, so the library works
 * where onnxruntime-node is not installed.
 */
export async function createOnnxRuntimeRunner(model: Uint8Array | string, graph: Graph, options: { threads?: number } = {}): Promise<OnnxRuntimeRunner> {
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model as never, { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 });
  const input = graph.inputs[0];
  const image = input.shape.length === 4;
  return {
    async run(x) {
      const nchw = image ? tf.tidy(() => tf.transpose(x, [0, 3, 1, 2])) : x;
      const dims = nchw.shape;
      const data = nchw.dataSync() as Float32Array;
      if (nchw !== x) nchw.dispose();
      const result = await session.run({ [input.name]: new ort.Tensor('float32', data, dims) });
      const out = result[session.outputNames[0]];
      return tf.tensor(out.data as Float32Array, out.dims.map(Number), 'float32');
    },
    release: () => session.release(),
  };
}
