import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandShorthandProperties } from '../../kernel/shorthand_properties';

test('shorthand properties are spelled out, everywhere they occur, and nothing else changes', () => {
  assert.equal(expandShorthandProperties('f({ progress, p: 1 })'), 'f({ progress: progress, p: 1 })');
  assert.equal(expandShorthandProperties('({ a, b = 2 } = o)'), '({ a: a, b: b = 2 } = o)');
  assert.equal(expandShorthandProperties('const { c } = o; const s = "{ x }";'), 'const { c } = o; const s = "{ x }";');
  assert.equal(expandShorthandProperties('g({ h: { x }, y })'), 'g({ h: { x: x }, y: y })');
});
