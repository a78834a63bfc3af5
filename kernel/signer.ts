import * as crypto from 'node:crypto';

/** Signs and verifies the four JSON frames of a Jupyter message (header, parent header, metadata, content). */
export interface Signer {
  /** The hex digest of the frames; '' when the connection has no key (signing disabled). */
  sign(frames: readonly Buffer[]): string;
  /** True when `signature` is the digest of `frames`. Compares in constant time. */
  verify(signature: string, frames: readonly Buffer[]): boolean;
}

/**
 * Creates the signer for a connection's `signature_scheme` ("hmac-sha256", or any "hmac-<digest>" node supports) and
 * `key`. An empty key disables signing as the protocol says: messages are sent with an empty signature and every
 * signature is accepted.
 */
export function createSigner(scheme: string, key: string): Signer {
  const m = /^hmac-([a-z0-9-]+)$/.exec(scheme);
  if (m === null) throw new Error(`createSigner: argument 'scheme' was ${JSON.stringify(scheme)}; expected 'hmac-<digest>', e.g. 'hmac-sha256'`);
  const digest = m[1];
  if (!crypto.getHashes().includes(digest)) {
    throw new Error(`createSigner: argument 'scheme' was ${JSON.stringify(scheme)}; node:crypto has no digest '${digest}'`);
  }
  if (key === '') return { sign: () => '', verify: () => true };
  const keyBytes = Buffer.from(key, 'utf8');
  const hmac = (frames: readonly Buffer[]): Buffer => {
    const h = crypto.createHmac(digest, keyBytes);
    for (const f of frames) h.update(f);
    return h.digest();
  };
  return {
    sign: (frames) => hmac(frames).toString('hex'),
    verify: (signature, frames) => {
      const expected = hmac(frames);
      // Decode before comparing so the comparison itself runs over equal-length buffers in constant time.
      if (!/^[0-9a-f]*$/i.test(signature) || signature.length !== expected.length * 2) return false;
      return crypto.timingSafeEqual(Buffer.from(signature, 'hex'), expected);
    },
  };
}
