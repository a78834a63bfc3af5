import * as fs from 'node:fs';
import * as path from 'node:path';
import { foldBatchNorms } from '../graph/fold_batchnorm';
import { fuseActivations } from '../graph/fuse_activations';
import { importGraphModel } from '../graph/import_graph_model';
import { importLayersModel } from '../graph/import_layers';
import { importOnnx } from '../graph/import_onnx';
import type { Graph } from '../graph/ir';
import { nearestName } from '../graph/nearest_name';
import { REPO_ROOT } from '../paths';


/** The zoo models trained by `npm run train` and committed under models/zoo. */
export const ZOO_MODELS = ['resnet', 'mobilenet_v2', 'efficientnet'] as const;
export type ZooModelName = (typeof ZOO_MODELS)[number];

/** The model.json of a zoo model. */
export function zooModelPath(name: ZooModelName): string {
  return path.join(REPO_ROOT, 'models', 'zoo', name, 'model.json');
}

/**
 * Imports a model the way a deployment runtime sees it: batch norms folded into the conv or dense before them and
 * ReLU/ReLU6 fused. `spec` is a zoo name (resnet, mobilenet_v2, efficientnet), a TF.js model.json (LayersModel or
 * GraphModel), an .onnx file, or a folder holding a model.json or one .onnx file.
 */
export function loadModel(spec: string): Graph {
  if (typeof spec !== 'string' || spec === '') throw new Error(`loadModel: argument 'spec' was ${JSON.stringify(spec)}; expected a zoo name (${ZOO_MODELS.join(', ')}), a model.json or an .onnx path`);
  const named = (ZOO_MODELS as readonly string[]).includes(spec) ? zooModelPath(spec as ZooModelName) : spec;
  const file = fs.existsSync(named) && fs.statSync(named).isDirectory() ? modelFileIn(named) : named;
  if (!fs.existsSync(file)) {
    const looksLikeName = !spec.includes('/') && !spec.includes('.');
    const hint = looksLikeName ? `; did you mean the zoo model '${nearestName(spec, ZOO_MODELS)}'?` : '';
    throw new Error(`loadModel: no file '${spec}' and no zoo model of that name (zoo: ${ZOO_MODELS.join(', ')})${hint}`);
  }
  const graph = file.endsWith('.onnx') ? importOnnx(file) : readFormat(file) === 'graph-model' ? importGraphModel(file) : importLayersModel(file);
  return fuseActivations(foldBatchNorms(graph));
}

/** A folder's model: its model.json, or its one .onnx file. */
function modelFileIn(dir: string): string {
  if (fs.existsSync(path.join(dir, 'model.json'))) return path.join(dir, 'model.json');
  const onnx = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx'));
  if (onnx.length === 1) return path.join(dir, onnx[0]);
  throw new Error(`loadModel: folder '${dir}' holds no model.json and ${onnx.length === 0 ? 'no .onnx file' : `${onnx.length} .onnx files (${onnx.join(', ')}); name one`}`);
}

function readFormat(file: string): unknown {
  let json: { format?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`loadModel: ${file} is not a TF.js model.json (${err instanceof Error ? err.message : String(err)})`);
  }
  return json.format;
}
