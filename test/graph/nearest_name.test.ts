import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonSubstringLength, editDistance, nearestName } from '../../src/graph/nearest_name';

test('edit distance and longest common substring on known pairs', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('Conv', 'conv'), 0);
  assert.equal(commonSubstringLength('conv1x', 'block1_conv1'), 5);
  assert.equal(commonSubstringLength('abc', 'xyz'), 0);
});

test('the nearest name keeps the longest shared part, then the fewest edits; none for no candidates', () => {
  const layers = ['stem_conv', 'block1_conv1', 'block2_conv1', 'predictions'];
  assert.equal(nearestName('conv1x', layers), 'block1_conv1');
  assert.equal(nearestName('predictons', layers), 'predictions');
  assert.equal(nearestName('block2_conv', layers), 'block2_conv1');
  assert.equal(nearestName('anything', []), null);
});
