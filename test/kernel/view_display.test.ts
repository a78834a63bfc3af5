import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ViewRegistry } from '../../kernel/quantscope_comm_target';
import { viewAwareBundleOf } from '../../kernel/view_display';
import { schemesView } from '../../src/views/schemes_view';
import { displayable } from '../../src/views/display';
import type { ProgressView } from '../../src/views/types';

const row = { scheme: '<b>FP32</b>', accuracy: 0.9, delta: 0, modelBytes: 100, layersInFloat: 1 };

test('displaying an interactive view registers exactly the actions it lists, under its id; the result is JSON', async () => {
  const views = new ViewRegistry();
  const bundleOf = viewAwareBundleOf(views);
  const shown = displayable<ProgressView>({ kind: 'progress', title: 't', done: 1, total: 2, label: 'x' }, { header: ['a'], rows: [[1]] }, {
    evaluate: (r) => ({ got: r.min, typed: new Float32Array([1.5]), nan: NaN }),
  });
  const bundle = bundleOf(shown);
  const view = bundle['application/vnd.quantscope.progress+json'] as { id: string; actions: string[] };
  assert.deepEqual(view.actions, ['evaluate']);
  const actions = views.get(view.id)!;
  assert.deepEqual(Object.keys(actions), ['evaluate']);
  assert.deepEqual(await actions.evaluate({ action: 'evaluate', min: 3 }), { got: 3, typed: [1.5], nan: null });
});

test('a static view registers nothing; its fallbacks escape model text', () => {
  const views = new ViewRegistry();
  const shown = schemesView('m<odel>', 10, [row]);
  const bundle = viewAwareBundleOf(views)(shown);
  assert.equal(views.get(shown.view.id), undefined);
  assert.ok(!(bundle['text/html'] as string).includes('<b>FP32</b>'));
  assert.ok((bundle['text/html'] as string).includes('&lt;b&gt;FP32&lt;/b&gt;'));
  assert.ok((bundle['text/plain'] as string).includes('<b>FP32</b>'));
  assert.equal((bundle['application/vnd.quantscope.schemes+json'] as { rows: unknown[] }).rows.length, 1);
});
