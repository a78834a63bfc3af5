import * as fs from 'node:fs';

/** The connection file Jupyter writes for a kernel: where to bind and how to sign. */
export interface ConnectionInfo {
  readonly transport: 'tcp' | 'ipc';
  readonly ip: string;
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly control_port: number;
  readonly hb_port: number;
  readonly key: string;
  readonly signature_scheme: string;
}

const PORTS = ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port'] as const;
export type ChannelPort = (typeof PORTS)[number];

/**
 * Reads and validates a connection file. Every field is checked, so a broken file fails here with the field's name
 * rather than later as an unexplained bind error.
 */
export function readConnectionInfo(file: string): ConnectionInfo {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`readConnectionInfo: cannot read connection file ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`readConnectionInfo: connection file ${JSON.stringify(file)} is not JSON: ${(err as Error).message}`);
  }
  return parseConnectionInfo(raw, file);
}

/** Validates a parsed connection file; `source` names it in error messages. */
export function parseConnectionInfo(raw: unknown, source = 'connection info'): ConnectionInfo {
  const where = `readConnectionInfo: ${source}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} was ${JSON.stringify(raw)}; expected an object`);
  const o = raw as Record<string, unknown>;
  const transport = o.transport ?? 'tcp';
  if (transport !== 'tcp' && transport !== 'ipc') throw new Error(`${where}: field 'transport' was ${JSON.stringify(transport)}; expected 'tcp' or 'ipc'`);
  if (typeof o.ip !== 'string' || o.ip === '') throw new Error(`${where}: field 'ip' was ${JSON.stringify(o.ip)}; expected a non-empty string`);
  const ports = {} as Record<ChannelPort, number>;
  for (const name of PORTS) {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
      throw new Error(`${where}: field '${name}' was ${JSON.stringify(v)}; expected an integer port in 0..65535`);
    }
    ports[name] = v;
  }
  const key = o.key ?? '';
  if (typeof key !== 'string') throw new Error(`${where}: field 'key' was ${JSON.stringify(key)}; expected a string`);
  const scheme = o.signature_scheme ?? 'hmac-sha256';
  if (typeof scheme !== 'string') throw new Error(`${where}: field 'signature_scheme' was ${JSON.stringify(scheme)}; expected a string such as 'hmac-sha256'`);
  return { transport, ip: o.ip, ...ports, key, signature_scheme: scheme };
}

/** The ZeroMQ address of one channel, e.g. tcp://127.0.0.1:5555 or ipc://kernel-ipc-1. */
export function channelAddress(info: ConnectionInfo, port: ChannelPort): string {
  return info.transport === 'tcp' ? `tcp://${info.ip}:${info[port]}` : `ipc://${info.ip}-${info[port]}`;
}
