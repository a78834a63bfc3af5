import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseView } from '../../src/views/parse';
import { DISPLAY_SYMBOL, displayBundleOf, escapeHtml, validateMimeBundle, viewBundle } from '../../kernel/display_bundle';
import type { MimeBundle } from '../../kernel/display_bundle';
import { createProgressBar } from '../../kernel/progress_bar';
import { InterruptedError } from '../../kernel/interrupted_error';

class SmallView {
  [DISPLAY_SYMBOL]() {
    return { 'application/vnd.quantscope.small+json': { kind: 'small', version: 1, label: '<script>' } };
  }
}

test('displayBundleOf(value) uses Symbol.for("Jupyter.display") and adds text and escaped html fallbacks', () => {
  const bundle = displayBundleOf(new SmallView());
  assert.deepEqual(bundle['application/vnd.quantscope.small+json'], { kind: 'small', version: 1, label: '<script>' });
  assert.match(String(bundle['text/plain']), /quantscope small view/);
  assert.ok(String(bundle['text/html']).includes('&lt;script&gt;'));
  assert.ok(!String(bundle['text/html']).includes('<script>'));
});

test('displayBundleOf(value) of a plain value is its util.inspect text', () => {
  assert.deepEqual(displayBundleOf([1, 'a']), { 'text/plain': "[ 1, 'a' ]" });
});

test('validateMimeBundle rejects non-MIME keys, non-string text and non-JSON data, naming them', () => {
  assert.throws(() => validateMimeBundle({ html: 'x' }, 'src'), /key "html" is not a MIME type/);
  assert.throws(() => validateMimeBundle({ 'text/plain': 3 }, 'src'), /text\/plain was 3; expected a string/);
  assert.throws(() => validateMimeBundle({ 'application/json': { x: NaN } }, 'src'), /application\/json.x was NaN/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => validateMimeBundle({ 'application/json': cyclic }, 'src'), /circular/);
  assert.throws(() => validateMimeBundle({}, 'src'), /empty MIME bundle/);
});

test('viewBundle(view) checks kind and version', () => {
  assert.ok('application/vnd.quantscope.layerwise+json' in viewBundle({ kind: 'layerwise', version: 1 }));
  assert.throws(() => viewBundle({ kind: 'Layer Wise', version: 1 }), /view.kind' was 'Layer Wise'/);
  assert.throws(() => viewBundle({ kind: 'x', version: 1.5 }), /view.version' was 1.5/);
});

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

function recorder(now: { t: number }, interrupted = { value: false }) {
  const shown: { bundle: MimeBundle; id: string; update: boolean }[] = [];
  const bar = (total: number) =>
    createProgressBar(total, 'calibrate', {
      show: (bundle, id, update) => shown.push({ bundle, id, update }),
      newDisplayId: () => 'id-1',
      throwIfInterrupted: () => {
        if (interrupted.value) throw new InterruptedError();
      },
      now: () => now.t,
      minIntervalMs: 100,
    });
  return { shown, bar };
}

test('a progress bar is displayed once, then updated in place, throttled, always showing the last step', () => {
  const now = { t: 0 };
  const { shown, bar } = recorder(now);
  const b = bar(10);
  for (let i = 0; i < 9; i++) b.tick();
  now.t = 150;
  b.tick();
  assert.deepEqual(shown.map((s) => [s.update, s.id]), [[false, 'id-1'], [true, 'id-1']]);
  const last = shown[1].bundle['application/vnd.quantscope.progress+json'];
  assert.deepEqual(last, { kind: 'progress', version: 1, id: 'id-1', title: 'calibrate', actions: [], done: 10, total: 10, label: 'calibrate' });
  // The kernel's progress bars follow the shared view contract, so the extension draws them.
  assert.deepEqual(parseView(last), { ok: true, view: last });
  assert.match(String(shown[1].bundle['text/plain']), /10\/10 \(100%\)/);
});

test('progress.tick() throws InterruptedError once the cell was interrupted', () => {
  const interrupted = { value: false };
  const { bar } = recorder({ t: 0 }, interrupted);
  const b = bar(5);
  b.tick();
  interrupted.value = true;
  assert.throws(() => b.tick(), InterruptedError);
  assert.equal(b.done, 1);
});

test('progress rejects a negative total by name', () => {
  assert.throws(() => recorder({ t: 0 }).bar(-1), /argument 'total' was -1/);
});
