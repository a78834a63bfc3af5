import * as fs from 'node:fs';
import * as path from 'node:path';
import { float16Value } from '../fp16';
import type { Weight } from './ir';

/** One entry of a TF.js weights manifest. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

/** A TF.js weights manifest group: shard files holding the weights in order. */
export interface WeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightSpec[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * Reads the shards of every manifest group next to `modelPath` and decodes the weights by name, dequantizing what
 * the TF.js converter stored quantized: uint8/uint16 as q * scale + min, float16 as IEEE binary16. A missing or
 * short shard, an unknown dtype or a shard longer than its weights throws, naming the file and the weight.
 */
export function readWeights(modelPath: string, manifest: readonly WeightGroup[]): Map<string, Weight> {
  const dir = path.dirname(modelPath);
  const out = new Map<string, Weight>();
  manifest.forEach((group, g) => {
    const buffers = group.paths.map((p) => {
      const file = path.join(dir, p);
      if (!fs.existsSync(file)) throw new Error(`readWeights: weight shard ${file} (group ${g} of ${modelPath}) does not exist`);
      return fs.readFileSync(file);
    });
    const bytes = Buffer.concat(buffers);
    let offset = 0;
    for (const spec of group.weights) {
      const { size, byteLength } = specSize(modelPath, spec);
      if (offset + byteLength > bytes.length) {
        throw new Error(`readWeights: the shards of group ${g} (${group.paths.join(', ')}) end at byte ${bytes.length}, but weight '${spec.name}' needs bytes ${offset}..${offset + byteLength}: a shard is truncated or missing data`);
      }
      out.set(spec.name, { data: decode(modelPath, spec, bytes.subarray(offset, offset + byteLength), size), shape: spec.shape });
      offset += byteLength;
    }
    if (offset !== bytes.length) {
      throw new Error(`readWeights: the shards of group ${g} (${group.paths.join(', ')}) hold ${bytes.length} bytes but the manifest describes ${offset}`);
    }
  });
  return out;
}

function specSize(modelPath: string, spec: WeightSpec): { size: number; byteLength: number } {
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`readWeights: weight '${spec.name}' in ${modelPath} has shape ${JSON.stringify(spec.shape)}; expected non-negative integers`);
  }
  const stored = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES[stored];
  if (bytes === undefined) throw new Error(`readWeights: weight '${spec.name}' in ${modelPath} has dtype '${stored}'; expected one of ${Object.keys(BYTES).join(', ')}`);
  const size = spec.shape.reduce((a, b) => a * b, 1);
  return { size, byteLength: size * bytes };
}

function decode(modelPath: string, spec: WeightSpec, raw: Buffer, size: number): Float32Array {
  // Copy into an aligned buffer: a shard slice may start at any byte.
  const aligned = new Uint8Array(raw).buffer;
  const q = spec.quantization;
  const out = new Float32Array(size);
  if (q === undefined) {
    if (spec.dtype === 'float32') out.set(new Float32Array(aligned));
    else if (spec.dtype === 'int32') out.set(new Int32Array(aligned));
    else throw new Error(`readWeights: weight '${spec.name}' in ${modelPath} has dtype '${spec.dtype}'; expected float32 or int32`);
  } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
      throw new Error(`readWeights: weight '${spec.name}' in ${modelPath} is quantized to ${q.dtype} without numeric scale and min`);
    }
    const codes = q.dtype === 'uint8' ? new Uint8Array(aligned) : new Uint16Array(aligned);
    for (let i = 0; i < size; i++) out[i] = codes[i] * q.scale + q.min;
  } else if (q.dtype === 'float16') {
    const halves = new Uint16Array(aligned);
    for (let i = 0; i < size; i++) out[i] = float16Value(halves[i]);
  } else {
    throw new Error(`readWeights: weight '${spec.name}' in ${modelPath} has quantization dtype '${q.dtype}'; expected uint8, uint16 or float16`);
  }
  for (let i = 0; i < size; i++) {
    if (out[i] - out[i] !== 0) throw new Error(`readWeights: weight '${spec.name}' in ${modelPath} holds ${out[i]} at index ${i}; a model's weights must be finite`);
  }
  return out;
}
