import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnectionInfo } from '../../kernel/connection_info';
import { createMessage, newKernelIdentity } from '../../kernel/message';
import { createSigner } from '../../kernel/signer';
import { decodeMessage, encodeMessage, WireError } from '../../kernel/wire';

const signer = createSigner('hmac-sha256', 'secret');

test('encodeMessage then decodeMessage round-trips identities, header, content and buffers', () => {
  const msg = { ...createMessage(newKernelIdentity(), 'execute_request', { code: '1' }), identities: [Buffer.from('peer')], buffers: [Buffer.from([1, 2])] };
  const back = decodeMessage(encodeMessage(msg, signer), signer);
  assert.deepEqual(back.identities, [Buffer.from('peer')]);
  assert.equal(back.header.msg_type, 'execute_request');
  assert.deepEqual(back.content, { code: '1' });
  assert.deepEqual(back.buffers, [Buffer.from([1, 2])]);
});

test('decodeMessage rejects a bad, a missing and a foreign-key signature with WireError', () => {
  const frames = encodeMessage(createMessage(newKernelIdentity(), 'kernel_info_request', {}), signer);
  const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
  const tampered = frames.slice();
  tampered[at + 1] = Buffer.from('0'.repeat(64));
  assert.throws(() => decodeMessage(tampered, signer), (e: unknown) => e instanceof WireError && /bad signature/.test(e.message));
  tampered[at + 1] = Buffer.from('');
  assert.throws(() => decodeMessage(tampered, signer), /missing signature/);
  assert.throws(() => decodeMessage(frames, createSigner('hmac-sha256', 'other')), /bad signature/);
  const changedContent = frames.slice();
  changedContent[at + 5] = Buffer.from('{"code":"evil"}');
  assert.throws(() => decodeMessage(changedContent, signer), /bad signature/);
});

test('decodeMessage names the frame that is not a JSON object', () => {
  const frames = encodeMessage(createMessage(newKernelIdentity(), 'x', {}), createSigner('hmac-sha256', ''));
  frames[3] = Buffer.from('[1]');
  assert.throws(() => decodeMessage(frames, createSigner('hmac-sha256', '')), /frame 'parent_header' was \[1\]; expected a JSON object/);
  assert.throws(() => decodeMessage([Buffer.from('x')], signer), /no '<IDS\|MSG>' delimiter/);
});

test('createSigner rejects unknown schemes by name', () => {
  assert.throws(() => createSigner('rsa', 'k'), /argument 'scheme' was "rsa"/);
  assert.throws(() => createSigner('hmac-nope', 'k'), /no digest 'nope'/);
});

test('parseConnectionInfo names the field that is wrong', () => {
  const good = { ip: '127.0.0.1', shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key: 'k' };
  assert.equal(parseConnectionInfo(good).signature_scheme, 'hmac-sha256');
  assert.throws(() => parseConnectionInfo({ ...good, hb_port: 'x' }), /field 'hb_port' was "x"/);
  assert.throws(() => parseConnectionInfo({ ...good, transport: 'udp' }), /field 'transport' was "udp"/);
});
