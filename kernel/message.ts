import * as crypto from 'node:crypto';

/** The protocol version this kernel speaks. */
export const PROTOCOL_VERSION = '5.3';

/** A JSON value as it travels in message content. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface MessageHeader {
  readonly msg_id: string;
  readonly msg_type: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly version: string;
}

/** A decoded Jupyter message. `identities` are the ZeroMQ routing prefix, needed to reply on a ROUTER socket. */
export interface JupyterMessage {
  readonly identities: readonly Buffer[];
  readonly header: MessageHeader;
  /** The parent's header, or {} for a message with no parent. */
  readonly parent_header: MessageHeader | Record<string, never>;
  readonly metadata: JsonObject;
  readonly content: JsonObject;
  readonly buffers: readonly Buffer[];
}

/** Who the kernel is, on the wire: the header fields every message it sends shares. */
export interface KernelIdentity {
  readonly session: string;
  readonly username: string;
}

export function newKernelIdentity(): KernelIdentity {
  return { session: crypto.randomUUID(), username: 'kernel' };
}

/**
 * Builds a message the kernel sends. Replies and iopub messages carry the request's header as their parent and its
 * identities (iopub ignores them), so clients can match outputs to the request that caused them.
 */
export function createMessage(
  identity: KernelIdentity,
  msgType: string,
  content: JsonObject,
  parent?: JupyterMessage,
  metadata: JsonObject = {},
): JupyterMessage {
  return {
    identities: parent?.identities ?? [],
    header: {
      msg_id: crypto.randomUUID(),
      msg_type: msgType,
      session: identity.session,
      username: identity.username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent?.header ?? {},
    metadata,
    content,
    buffers: [],
  };
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
