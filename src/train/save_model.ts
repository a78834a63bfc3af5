import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A TF.js IOHandler that writes model.json and one weights shard (weights.bin) into `dir`, plus any `extraFiles`
 * (e.g. metadata.json), atomically: everything goes to a temporary sibling folder first, which then replaces `dir`
 * by rename. An interrupted run leaves either the old folder or the new one, never a half-written model (at worst a
 * stray `.tmp-*` folder next to it).
 */
export function atomicModelDir(dir: string, extraFiles: () => Record<string, string> = () => ({})): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new Error(`atomicModelDir: the model to save into ${dir} has no JSON topology; expected a LayersModel`);
      }
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      const parent = path.dirname(path.resolve(dir));
      fs.mkdirSync(parent, { recursive: true });
      const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${process.pid}`);
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp);
      fs.writeFileSync(path.join(tmp, 'model.json'), `${JSON.stringify(modelJson)}\n`);
      fs.writeFileSync(path.join(tmp, 'weights.bin'), new Uint8Array(weightData));
      for (const [name, text] of Object.entries(extraFiles())) fs.writeFileSync(path.join(tmp, name), text);
      const old = path.join(parent, `.${path.basename(dir)}.old-${process.pid}`);
      if (fs.existsSync(dir)) fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
      fs.rmSync(old, { recursive: true, force: true });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
    },
  };
}

/** Reads a folder written by {@link atomicModelDir} (model.json + its weight shards) as ModelArtifacts. */
export function readModelDir(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, 'model.json');
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
      if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
        throw new Error(`readModelDir: ${jsonPath} has no modelTopology or weightsManifest`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const shard of group.paths) buffers.push(fs.readFileSync(path.join(dir, shard)));
      }
      const joined = Buffer.concat(buffers);
      return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength), format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy };
    },
  };
}
