import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as path from 'node:path';

/** The TensorFlow.js backends Quantscope can run on, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const backendPreference: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Which backend is in use and why; shown to the user so a slow run is never a mystery. */
export interface BackendInfo {
  readonly name: BackendName;
  /** WebAssembly SIMD / threads, for the wasm backend. */
  readonly simd?: boolean;
  readonly threads?: boolean;
  /** Backends tried before this one and the reason each was not used. */
  readonly skipped: readonly { readonly name: BackendName; readonly reason: string }[];
}

/**
 * Selects and initialises the backend. `preferred` (or the QUANTSCOPE_BACKEND environment variable) forces one and
 * fails loudly if it cannot start; 'auto' tries @tensorflow/tfjs-node (native libtensorflow, when installed), then
 * @tensorflow/tfjs-backend-wasm (SIMD; threads when the platform offers them), then the plain CPU backend.
 */
export async function initBackend(preferred: BackendName | 'auto' = envPreference()): Promise<BackendInfo> {
  if (preferred !== 'auto' && !backendPreference.includes(preferred)) {
    throw new Error(`initBackend: argument 'preferred' was ${JSON.stringify(preferred)}; expected 'auto' or one of ${backendPreference.join(', ')}`);
  }
  const candidates = preferred === 'auto' ? backendPreference : [preferred];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of candidates) {
    try {
      await startBackend(name);
      const info: BackendInfo = name === 'wasm'
        ? { name, skipped, simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) }
        : { name, skipped };
      return info;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (preferred !== 'auto') throw new Error(`initBackend: the ${name} backend could not start: ${reason}`);
      skipped.push({ name, reason });
    }
  }
  throw new Error(`initBackend: no backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** A one-line description, e.g. "wasm (SIMD, single-threaded); skipped tensorflow: not installed". */
export function describeBackend(info: BackendInfo): string {
  const features = info.name === 'wasm' ? ` (${info.simd ? 'SIMD' : 'no SIMD'}, ${info.threads ? 'threads' : 'single-threaded'})` : '';
  const skipped = info.skipped.length > 0 ? `; skipped ${info.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}` : '';
  return `${info.name}${features}${skipped}`;
}

function envPreference(): BackendName | 'auto' {
  const value = process.env.QUANTSCOPE_BACKEND;
  return value === undefined || value === '' ? 'auto' : (value as BackendName);
}

async function startBackend(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    if (!moduleAvailable('@tensorflow/tfjs-node')) throw new Error('@tensorflow/tfjs-node is not installed');
    // Loading it registers the 'tensorflow' backend; a missing libtensorflow throws here.
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    // Under Node the wasm binaries are read from disk, never fetched.
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    if (!tf.findBackend('wasm')) wasm.setWasmPaths(`${dist}${path.sep}`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

function moduleAvailable(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}
