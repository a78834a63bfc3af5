import { gunzipSync } from 'node:zlib';

/** An IDX array (the MNIST file format): unsigned bytes with their shape. */
export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file (optionally gzip-compressed): magic 0x00 0x00, type 0x08 (unsigned byte), rank, then one
 * big-endian uint32 per dimension and the data. Only the unsigned-byte type occurs in (Fashion-)MNIST; other types
 * throw. `source` names the file in error messages.
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  const fail = (what: string): never => { throw new Error(`parseIdx: ${source} is not a valid IDX file: ${what}`); };
  if (raw.length < 4) fail(`it has only ${raw.length} bytes`);
  if (raw[0] !== 0 || raw[1] !== 0) fail(`magic bytes ${raw[0]} ${raw[1]}, expected 0 0`);
  if (raw[2] !== 0x08) fail(`element type 0x${raw[2].toString(16)}, expected 0x08 (unsigned byte)`);
  const rank = raw[3];
  const header = 4 + 4 * rank;
  if (raw.length < header) fail(`the header needs ${header} bytes, the file has ${raw.length}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: rank }, (_, d) => view.getUint32(4 + 4 * d, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (raw.length !== header + size) fail(`shape [${shape.join(', ')}] needs ${header + size} bytes, the file has ${raw.length}`);
  return { shape, data: raw.subarray(header) };
}
