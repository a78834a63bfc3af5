import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAppliedRange, parseCalibrationEvaluation, parseCommReply, parseLayerwiseEvaluation, parseView,
} from '../../src/views/parse';
import { VIEW_KINDS, type ViewKind } from '../../src/views/types';
import { sampleView } from './view_fixtures';

function errorOf(payload: unknown, kind?: ViewKind): string {
  const parsed = parseView(payload, kind);
  assert.equal(parsed.ok, false, 'the payload should have been rejected');
  return (parsed as { error: string }).error;
}

/** Breaks a fresh view of `kind` with `edit` and expects exactly `message`. */
function rejects(kind: ViewKind, edit: (v: Record<string, any>) => void, message: string): void {
  const view = sampleView(kind);
  edit(view);
  assert.equal(errorOf(view, kind), message);
}

test('parseView accepts a well-formed view of every kind, as an object or as JSON text', () => {
  for (const kind of VIEW_KINDS) {
    const view = sampleView(kind);
    for (const payload of [view, JSON.stringify(view)]) {
      const parsed = parseView(payload, kind);
      assert.ok(parsed.ok, `${kind}: ${parsed.ok ? '' : parsed.error}`);
      assert.deepEqual(parsed.view, view);
      assert.deepEqual(parseView(payload), parsed, `${kind} without an expected kind`);
    }
  }
});

test('parseView ignores fields the contract does not name', () => {
  const view = { ...sampleView('progress'), eta: 12 };
  assert.ok(parseView(view, 'progress').ok);
});

test('parseView rejects what is not a view object, naming the payload', () => {
  assert.equal(errorOf(null, 'progress'), 'progress view: the payload was null; expected an object');
  assert.equal(errorOf([1, 2]), 'quantscope view: the payload was an array of length 2; expected an object');
  assert.equal(errorOf(42), 'quantscope view: the payload was 42; expected an object');
  assert.match(errorOf('{"kind": "progress",', 'progress'), /^progress view: the payload is not valid JSON \(/);
  assert.equal(errorOf('"progress"'), 'quantscope view: the payload was "progress"; expected an object');
});

test('parseView checks the kind, the expected kind and the version', () => {
  assert.equal(errorOf({ ...sampleView('progress'), kind: 'pie' }),
    'quantscope view: kind was "pie"; expected one of "layerwise", "distribution", "calibration", "equalization", "schemes", "progress", "error-budget"');
  assert.equal(errorOf(sampleView('progress'), 'layerwise'), 'layerwise view: kind was "progress"; expected "layerwise"');
  rejects('schemes', (v) => { v.version = 2; }, 'schemes view: version was 2; expected 1 (this extension reads version 1 views)');
  rejects('schemes', (v) => { delete v.version; }, 'schemes view: version was missing; expected 1 (this extension reads version 1 views)');
});

test('parseView checks the fields every view has', () => {
  rejects('progress', (v) => { v.id = 7; }, 'progress view: id was 7; expected a string');
  rejects('progress', (v) => { delete v.title; }, 'progress view: title was missing; expected a string');
  rejects('progress', (v) => { v.actions = 'evaluate'; }, 'progress view: actions was "evaluate"; expected an array');
  rejects('progress', (v) => { v.actions = ['evaluate', null]; }, 'progress view: actions[1] was null; expected a string');
});

test('parseView names the field path of a bad layerwise row', () => {
  rejects('layerwise', (v) => { v.layers[3].rmse = 'x'; }, 'layerwise view: layers[3].rmse was "x"; expected a finite number >= 0');
  rejects('layerwise', (v) => { v.layers[1].sqnrDb = NaN; }, 'layerwise view: layers[1].sqnrDb was NaN; expected a finite number');
  rejects('layerwise', (v) => { v.layers[0].accumulatedRmse = Infinity; },
    'layerwise view: layers[0].accumulatedRmse was Infinity; expected a finite number >= 0');
  rejects('layerwise', (v) => { v.layers[0].precision = 'int4'; },
    'layerwise view: layers[0].precision was "int4"; expected one of "int8", "int16", "fp16", "float"');
  rejects('layerwise', (v) => { v.layers[2].floatRange = { min: 3, max: 1 }; },
    'layerwise view: layers[2].floatRange.max was 1; expected a number >= min = 3');
  rejects('layerwise', (v) => { v.layers[2].quantRange = [0, 1]; },
    'layerwise view: layers[2].quantRange was an array of length 2; expected an object');
  rejects('layerwise', (v) => { v.layers[0].scale = 0; }, 'layerwise view: layers[0].scale was 0; expected a finite number > 0');
  rejects('layerwise', (v) => { v.layers[4] = 'softmax'; }, 'layerwise view: layers[4] was "softmax"; expected an object');
  rejects('layerwise', (v) => { v.samples = 6.5; }, 'layerwise view: samples was 6.5; expected an integer >= 0');
  rejects('layerwise', (v) => { v.quantAccuracy = 87; }, 'layerwise view: quantAccuracy was 87; expected an accuracy in [0, 1]');
  rejects('layerwise', (v) => { v.threshold = -1; }, 'layerwise view: threshold was -1; expected a finite number >= 0');
});

test('parseView checks that histogram edges increase and outnumber the counts by one', () => {
  rejects('distribution', (v) => { v.edges = [0, 1, 1, 2, 3]; }, 'distribution view: edges[2] was 1; expected a number above edges[1] = 1 (edges increase)');
  rejects('distribution', (v) => { v.edges = [0]; v.floatCounts = []; }, 'distribution view: edges was an array of length 1; expected at least 2 edges (one bin)');
  rejects('distribution', (v) => { v.floatCounts.push(1); }, 'distribution view: floatCounts was an array of length 5; expected 4 entries, one per bin');
  rejects('distribution', (v) => { v.quantCounts[1] = -1; }, 'distribution view: quantCounts[1] was -1; expected a finite number >= 0');
  rejects('distribution', (v) => { v.zeroPoint = 0.5; }, 'distribution view: zeroPoint was 0.5; expected an integer');
  rejects('distribution', (v) => { v.bits = 32; }, 'distribution view: bits was 32; expected an integer in 2..16');
  rejects('calibration', (v) => { v.edges[10] = null; }, 'calibration view: edges[10] was null; expected a finite number');
  rejects('calibration', (v) => { v.counts.pop(); }, 'calibration view: counts was an array of length 63; expected 64 entries, one per bin');
  rejects('calibration', (v) => { v.counts = v.counts.map(() => 0); },
    'calibration view: counts was an array of length 64; expected at least one positive count (an empty histogram has no range)');
});

test('parseView checks the calibration methods, range, grid and percentile', () => {
  rejects('calibration', (v) => { v.methods[1].max = -4; }, 'calibration view: methods[1].max was -4; expected a number >= min = -3.5');
  rejects('calibration', (v) => { delete v.methods[2].method; }, 'calibration view: methods[2].method was missing; expected a string');
  rejects('calibration', (v) => { v.current = null; }, 'calibration view: current was null; expected an object');
  rejects('calibration', (v) => { v.symmetric = 'yes'; }, 'calibration view: symmetric was "yes"; expected true or false');
  rejects('calibration', (v) => { v.bits = 1; }, 'calibration view: bits was 1; expected an integer in 2..16');
  rejects('calibration', (v) => { v.percentile = 0; }, 'calibration view: percentile was 0; expected a number in (0, 100]');
  rejects('calibration', (v) => { v.percentile = 100.5; }, 'calibration view: percentile was 100.5; expected a number in (0, 100]');
});

test('parseView checks that each equalization pair has one entry per channel', () => {
  rejects('equalization', (v) => { v.pairs[0].first.after.pop(); },
    'equalization view: pairs[0].first.after was an array of length 2; expected 3 entries, one per channel (as many as scales)');
  rejects('equalization', (v) => { v.pairs[0].second.before.push(1); },
    'equalization view: pairs[0].second.before was an array of length 4; expected 3 entries, one per channel (as many as scales)');
  rejects('equalization', (v) => { v.pairs[0].scales[1] = 0; }, 'equalization view: pairs[0].scales[1] was 0; expected a finite number > 0');
  rejects('equalization', (v) => { v.pairs[0].second.layer = undefined; }, 'equalization view: pairs[0].second.layer was missing; expected a string');
  rejects('equalization', (v) => { v.skipped[0].reason = 3; }, 'equalization view: skipped[0].reason was 3; expected a string');
  rejects('equalization', (v) => { v.accuracyAfter = 1.2; }, 'equalization view: accuracyAfter was 1.2; expected an accuracy in [0, 1]');
});

test('parseView checks scheme rows, progress counts and error-budget rows', () => {
  rejects('schemes', (v) => { v.rows[2].accuracy = -0.1; }, 'schemes view: rows[2].accuracy was -0.1; expected an accuracy in [0, 1]');
  rejects('schemes', (v) => { v.rows[0].modelBytes = '120 kB'; }, 'schemes view: rows[0].modelBytes was "120 kB"; expected an integer >= 0');
  rejects('progress', (v) => { v.done = 13; }, 'progress view: done was 13; expected a number in [0, total = 12]');
  rejects('progress', (v) => { v.total = -1; }, 'progress view: total was -1; expected a finite number >= 0');
  rejects('error-budget', (v) => { delete v.rows[1].parts.bias; }, 'error-budget view: rows[1].parts.bias was missing; expected a finite number >= 0');
  rejects('error-budget', (v) => { v.rows[0].dominant = 'luck'; },
    'error-budget view: rows[0].dominant was "luck"; expected one of "weights", "input", "bias", "accumulator", "requantization", "output"');
  rejects('error-budget', (v) => { v.rows[0].interaction = null; }, 'error-budget view: rows[0].interaction was null; expected a finite number');
  rejects('error-budget', (v) => { v.rows[0].input.clippedFraction = 2; }, 'error-budget view: rows[0].input.clippedFraction was 2; expected a fraction in [0, 1]');
  rejects('error-budget', (v) => { v.rows[1].changes[0].after = -1; }, 'error-budget view: rows[1].changes[0].after was -1; expected a finite number >= 0');
});

test('parseView shortens a long string in its message', () => {
  rejects('progress', (v) => { v.label = 5; v.title = 'x'.repeat(100); }, 'progress view: label was 5; expected a string');
  assert.equal(errorOf({ ...sampleView('progress'), kind: 'k'.repeat(100) }),
    `quantscope view: kind was "${'k'.repeat(37)}..."; expected one of "layerwise", "distribution", "calibration", "equalization", "schemes", "progress", "error-budget"`);
});

test('the comm reply parsers accept the kernel replies and name a bad field', () => {
  assert.deepEqual(parseCommReply({ ok: true, result: { x: 1 }, request_id: 3 }), { ok: true, value: { requestId: 3, reply: { ok: true, result: { x: 1 } } } });
  assert.deepEqual(parseCommReply(JSON.stringify({ ok: false, error: 'no view' })), { ok: true, value: { requestId: null, reply: { ok: false, error: 'no view' } } });
  assert.deepEqual(parseCommReply({ ok: 'yes' }), { ok: false, error: 'quantscope comm reply: ok was "yes"; expected true or false' });
  assert.deepEqual(parseCommReply({ ok: false, request_id: 'r1' }), { ok: false, error: 'quantscope comm reply: error was missing; expected a string' });
  assert.deepEqual(parseLayerwiseEvaluation({ accuracy: 0.9, delta: -1, floatLayers: ['conv1'] }),
    { ok: true, value: { accuracy: 0.9, delta: -1, floatLayers: ['conv1'] } });
  assert.deepEqual(parseLayerwiseEvaluation({ accuracy: 0.9, delta: -1, floatLayers: [1] }),
    { ok: false, error: 'set-precision reply: floatLayers[0] was 1; expected a string' });
  assert.deepEqual(parseCalibrationEvaluation({ range: { min: -1, max: 1 }, accuracy: 0.5, delta: -40 }).ok, true);
  assert.deepEqual(parseCalibrationEvaluation({ range: { min: -1 }, accuracy: 0.5, delta: -40 }),
    { ok: false, error: 'evaluate reply: range.max was missing; expected a finite number' });
  assert.deepEqual(parseAppliedRange({ applied: { min: -1, max: 2 } }), { ok: true, value: { min: -1, max: 2 } });
  assert.deepEqual(parseAppliedRange({}), { ok: false, error: 'apply reply: applied was missing; expected an object' });
});
