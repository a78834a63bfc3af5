import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../src/cli/quantscope.js');
const subset = path.resolve(__dirname, '../../data/fashion-mnist-subset');

test('quantscope equalize prints the ablation table, or with --json the rows and what each fix skipped', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'equalize', 'resnet', '--data', subset, '--calibration', '50', '--eval', '50', ...args], { encoding: 'utf8', timeout: 300_000 });
  const json = run('--json');
  assert.equal(json.status, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.evaluationImages, 50);
  assert.equal(out.rows.length, 7);
  assert.equal(out.rows[0].step, 'FP32');
  assert.ok(out.skipped.analyticalBiasCorrection.some((s: { layer: string }) => s.layer === 'stem_conv'));
  const table = run();
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /\+ CLE \+ HBA \+ bias correction \(analytical\)\s+\d+\.\d\d%/);
  assert.match(table.stdout, /analyticalBiasCorrection skipped block2_conv1: its input comes from the add 'block1_add'/);
});
