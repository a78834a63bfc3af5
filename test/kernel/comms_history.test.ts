import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommManager } from '../../kernel/comm_manager';
import { History } from '../../kernel/history';
import { createMessage, newKernelIdentity, type JsonObject } from '../../kernel/message';
import { quantscopeCommTarget, ViewRegistry } from '../../kernel/quantscope_comm_target';
import { checkCompleteness } from '../../kernel/is_complete';
import { crc32, encodePng } from '../../kernel/png';

function manager() {
  const sent: [string, JsonObject][] = [];
  const logged: string[] = [];
  const views = new ViewRegistry();
  const m = new CommManager((type, content) => sent.push([type, content]), (t) => logged.push(t));
  m.registerTarget('quantscope', quantscopeCommTarget(views));
  const msg = (type: string, content: JsonObject) => createMessage(newKernelIdentity(), type, content);
  return { m, sent, logged, views, msg };
}

test('a quantscope comm answers { action } requests with { ok, result } and echoes request_id', async () => {
  const { m, sent, views, msg } = manager();
  views.register('v', { double: (r) => Number(r.value) * 2 });
  await m.handle(msg('comm_open', { comm_id: 'c', target_name: 'quantscope', data: { view_id: 'v' } }));
  await m.handle(msg('comm_msg', { comm_id: 'c', data: { action: 'double', value: 4, request_id: 'r1' } }));
  assert.deepEqual(sent, [['comm_msg', { comm_id: 'c', data: { ok: true, result: 8, request_id: 'r1' } }]]);
  assert.deepEqual(m.info('quantscope'), { c: { target_name: 'quantscope' } });
});

test('bad comm messages are answered with errors and logged, never thrown', async () => {
  const { m, sent, logged, msg } = manager();
  await m.handle(msg('comm_open', { comm_id: 'x', target_name: 'nope', data: {} }));
  await m.handle(msg('comm_msg', { comm_id: 'ghost', data: {} }));
  await m.handle(msg('comm_msg', { data: {} }));
  assert.equal(sent[0][0], 'comm_close');
  assert.match(String((sent[0][1].data as JsonObject).error), /no comm target named "nope"/);
  assert.match(String((sent[1][1].data as JsonObject).error), /no open comm with id "ghost"/);
  assert.equal(sent.length, 2);
  assert.match(logged[2], /content.comm_id was undefined/);
});

test('history answers tail, range and unique search', () => {
  const h = new History();
  ['a = 1', '6*7', '6*7', 'b'].forEach((code, i) => h.record(i + 1, code));
  h.recordOutput(2, '42');
  assert.deepEqual(h.query({ hist_access_type: 'tail', n: 2, output: false }), [[1, 3, '6*7'], [1, 4, 'b']]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: 0, start: 2, stop: 3, output: true }), [[1, 2, ['6*7', '42']]]);
  assert.deepEqual(h.query({ hist_access_type: 'search', pattern: '6*', unique: true }), [[1, 3, '6*7']]);
  assert.deepEqual(h.query({ hist_access_type: 'search', pattern: '6*' }).length, 2);
});

test('checkCompleteness tells complete, incomplete (with indent) and invalid code apart', () => {
  assert.deepEqual(checkCompleteness('const a = 1'), { status: 'complete' });
  assert.deepEqual(checkCompleteness('if (x) {'), { status: 'incomplete', indent: '  ' });
  assert.equal(checkCompleteness('const s = `open').status, 'incomplete');
  assert.equal(checkCompleteness('let x = ;').status, 'invalid');
});

test('crc32 matches the standard check value and encodePng writes a PNG signature and IHDR', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const png = encodePng(2, 1, new Uint8Array(8));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal(png.readUInt32BE(16), 2);
  assert.throws(() => encodePng(2, 2, new Uint8Array(3)), /has 3 bytes; expected 16/);
});
