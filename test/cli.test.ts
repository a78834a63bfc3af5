import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/models/load_model';

const cli = path.resolve(__dirname, '../src/cli/quantscope.js');
const subset = path.resolve(__dirname, '../../data/fashion-mnist-subset');

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
}

test('quantscope compare --json prints the scheme and calibration tables as one JSON document', () => {
  const r = run('compare', 'resnet', '--data', subset, '--calibration', '100', '--eval', '100', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.evaluationImages, 100);
  assert.equal(out.schemes[0].scheme, 'FP32');
  assert.ok(out.schemes.some((s: { scheme: string }) => s.scheme.startsWith('INT16')));
  assert.equal(out.calibrations.length, 7);
});

test('quantscope export writes the QDQ model and the encodings; analyze prints a layer table', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-cli-'));
  try {
    const r = run('export', 'mobilenet_v2', '--data', subset, '--calibration', '100', '--out', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['mobilenet_v2.encodings.json', 'mobilenet_v2.qdq.onnx']);
    const a = run('analyze', 'resnet', '--data', subset, '--calibration', '100', '--eval', '100');
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /block1_conv1\s+conv2d/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('quantscope reports a missing model and bad flags clearly and exits non-zero', () => {
  const r = run('compare', 'no_such_model', '--data', subset);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /loadModel: no file 'no_such_model' and no zoo model of that name \(zoo: resnet, mobilenet_v2, efficientnet\)/);
  const near = run('compare', 'resnt', '--data', subset);
  assert.match(near.stderr, /did you mean the zoo model 'resnet'\?/);
  const b = run('compare', 'resnet', '--eval', 'many');
  assert.match(b.stderr, /--eval must be a positive integer, got 'many'/);
  const u = run('frobnicate');
  assert.match(u.stderr, /usage: quantscope compare\|analyze\|export\|equalize\|mixed\|doctor MODEL/);
  const d = run('doctor', 'resnet', '--budget', '-1');
  assert.match(d.stderr, /--budget must be a number of accuracy points >= 0, got '-1'/);
});

test('quantscope doctor --json prints the report and --out writes its JSON and HTML', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-doctor-'));
  try {
    const r = run('doctor', 'resnet', '--data', subset, '--calibration', '100', '--eval', '100', '--budget', '1', '--out', dir, '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.model, 'resnet');
    assert.deepEqual(report.budget, { points: 1 });
    assert.ok(report.candidates.some((c: { name: string }) => c.name === report.recommendation.name));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['resnet.doctor.html', 'resnet.doctor.json']);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'resnet.doctor.json'), 'utf8')), report);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('loadModel takes a folder holding a model.json or one .onnx file, and says what a folder lacks', () => {
  const root = path.resolve(__dirname, '../..');
  assert.equal(loadModel(path.join(root, 'models', 'zoo', 'resnet')).name, 'resnet');
  assert.equal(loadModel(path.join(root, 'test', 'fixtures', 'onnx', 'cnn_bn_relu.onnx')).format, 'onnx');
  assert.throws(() => loadModel(path.join(root, 'test', 'fixtures', 'onnx')), /holds no model\.json and 3 \.onnx files \(cnn_bn_relu\.onnx, mlp_matmul\.onnx, mlp_softmax\.onnx\); name one/);
  assert.throws(() => loadModel(path.join(root, 'test', 'fixtures')), /holds no model\.json and no \.onnx file/);
});
