import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../src/backend';

/** The backends every tensor test runs on: the plain CPU one and the wasm one the kernel defaults to here. */
export const testBackends: readonly BackendName[] = ['cpu', 'wasm'];

/** Switches to a backend for a test. */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend(name);
  if (tf.getBackend() !== name) throw new Error(`could not switch to the ${name} backend`);
}

/** Runs fn and asserts it leaves no tensor behind. */
export async function withoutLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensors were not disposed`);
  return result;
}
