import { isJsonObject, type JsonObject, type JupyterMessage, type MessageHeader } from './message';
import type { Signer } from './signer';

/** Separates the ZeroMQ routing identities from the message proper. */
export const DELIMITER = Buffer.from('<IDS|MSG>', 'utf8');

/** Why an incoming frame list was rejected; the kernel logs it and drops the message. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/**
 * Decodes the frames of a message received on a ROUTER socket:
 * `[identities..., '<IDS|MSG>', signature, header, parent_header, metadata, content, buffers...]`.
 * The signature is verified before any JSON is parsed, so an unsigned message never reaches a handler.
 * Throws WireError naming what was wrong.
 */
export function decodeMessage(frames: readonly Buffer[], signer: Signer): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError(`decodeMessage: no '<IDS|MSG>' delimiter among ${frames.length} frames`);
  if (frames.length < at + 6) {
    throw new WireError(`decodeMessage: ${frames.length - at - 1} frames after the delimiter; expected a signature and 4 JSON frames`);
  }
  const signature = frames[at + 1].toString('utf8');
  const body = frames.slice(at + 2, at + 6);
  if (!signer.verify(signature, body)) {
    throw new WireError(signature === '' ? 'decodeMessage: missing signature' : 'decodeMessage: bad signature');
  }
  const [header, parent, metadata, content] = body.map((f, i) => parseObject(f, ['header', 'parent_header', 'metadata', 'content'][i]));
  return {
    identities: frames.slice(0, at),
    header: validateHeader(header),
    parent_header: Object.keys(parent).length === 0 ? {} : validateHeader(parent, 'parent_header'),
    metadata,
    content,
    buffers: frames.slice(at + 6),
  };
}

/** Encodes and signs a message into the frames to send. */
export function encodeMessage(msg: JupyterMessage, signer: Signer): Buffer[] {
  const body = [msg.header, msg.parent_header, msg.metadata, msg.content].map((part) => Buffer.from(JSON.stringify(part), 'utf8'));
  return [...msg.identities, DELIMITER, Buffer.from(signer.sign(body), 'utf8'), ...body, ...msg.buffers];
}

function parseObject(frame: Buffer, name: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    throw new WireError(`decodeMessage: frame '${name}' is not JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(value)) throw new WireError(`decodeMessage: frame '${name}' was ${JSON.stringify(value)}; expected a JSON object`);
  return value;
}

function validateHeader(h: JsonObject, name = 'header'): MessageHeader {
  for (const field of ['msg_id', 'msg_type'] as const) {
    if (typeof h[field] !== 'string' || h[field] === '') {
      throw new WireError(`decodeMessage: ${name}.${field} was ${JSON.stringify(h[field])}; expected a non-empty string`);
    }
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    msg_id: str(h.msg_id),
    msg_type: str(h.msg_type),
    session: str(h.session),
    username: str(h.username),
    date: str(h.date),
    version: str(h.version) || '5.0',
  };
}
