import { isJsonObject, type JsonObject, type JupyterMessage } from './message';

/** One open comm, as a target's handler sees it. */
export interface Comm {
  readonly id: string;
  readonly targetName: string;
  /** Sends a comm_msg to the front end. */
  send(data: JsonObject): void;
  /** Closes the comm from the kernel side (comm_close). */
  close(data?: JsonObject): void;
}

export interface CommHandler {
  onMessage(data: JsonObject): void | Promise<void>;
  onClose?(data: JsonObject): void;
}

/** A comm target: what the front end names in comm_open. `open` may throw to refuse the comm. */
export interface CommTarget {
  open(comm: Comm, data: JsonObject): CommHandler;
}

/** Sends an iopub message with the request being handled as parent. */
export type PublishComm = (msgType: 'comm_open' | 'comm_msg' | 'comm_close', content: JsonObject) => void;
export type CommLog = (text: string) => void;

/**
 * The registry of comm targets and open comms. Every incoming comm message is validated; a malformed one, or one for
 * a comm or target that does not exist, is logged and answered (comm_close for a refused open, an error comm_msg
 * otherwise), and never throws.
 */
export class CommManager {
  private readonly targets = new Map<string, CommTarget>();
  private readonly open = new Map<string, { comm: Comm; handler: CommHandler }>();

  constructor(
    private readonly publish: PublishComm,
    private readonly log: CommLog,
  ) {}

  registerTarget(name: string, target: CommTarget): void {
    if (this.targets.has(name)) throw new Error(`CommManager.registerTarget: argument 'name' was ${JSON.stringify(name)}; a target of that name is already registered`);
    this.targets.set(name, target);
  }

  /** comm_info_reply's `comms`: every open comm, or those of one target. */
  info(targetName?: string): JsonObject {
    const comms: JsonObject = {};
    for (const [id, { comm }] of this.open) {
      if (targetName === undefined || comm.targetName === targetName) comms[id] = { target_name: comm.targetName };
    }
    return comms;
  }

  async handle(msg: JupyterMessage): Promise<void> {
    const type = msg.header.msg_type;
    const c = msg.content;
    const commId = c.comm_id;
    if (typeof commId !== 'string' || commId === '') {
      this.log(`${type}: content.comm_id was ${JSON.stringify(commId)}; expected a non-empty string; message dropped`);
      return;
    }
    const data = c.data ?? {};
    if (!isJsonObject(data)) {
      this.refuse(type, commId, `${type}: content.data was ${JSON.stringify(data)}; expected a JSON object`);
      return;
    }
    if (type === 'comm_open') this.handleOpen(commId, c.target_name, data);
    else if (type === 'comm_msg') await this.handleMessage(commId, data);
    else if (type === 'comm_close') this.handleClose(commId, data);
  }

  private handleOpen(commId: string, targetName: unknown, data: JsonObject): void {
    if (typeof targetName !== 'string') {
      this.refuse('comm_open', commId, `comm_open: content.target_name was ${JSON.stringify(targetName)}; expected a string`);
      return;
    }
    const target = this.targets.get(targetName);
    if (target === undefined) {
      this.refuse('comm_open', commId, `comm_open: no comm target named ${JSON.stringify(targetName)}; known targets: ${[...this.targets.keys()].join(', ')}`);
      return;
    }
    if (this.open.has(commId)) {
      this.refuse('comm_msg', commId, `comm_open: a comm with id ${JSON.stringify(commId)} is already open`);
      return;
    }
    const comm: Comm = {
      id: commId,
      targetName,
      send: (payload) => this.publish('comm_msg', { comm_id: commId, data: payload }),
      close: (payload = {}) => {
        if (this.open.delete(commId)) this.publish('comm_close', { comm_id: commId, data: payload });
      },
    };
    try {
      const handler = target.open(comm, data);
      this.open.set(commId, { comm, handler });
    } catch (err) {
      this.refuse('comm_open', commId, `comm_open: target ${JSON.stringify(targetName)} refused the comm: ${errorText(err)}`);
    }
  }

  private async handleMessage(commId: string, data: JsonObject): Promise<void> {
    const entry = this.open.get(commId);
    if (entry === undefined) {
      this.refuse('comm_msg', commId, `comm_msg: no open comm with id ${JSON.stringify(commId)}`);
      return;
    }
    try {
      await entry.handler.onMessage(data);
    } catch (err) {
      this.refuse('comm_msg', commId, `comm_msg: the handler of comm ${JSON.stringify(commId)} failed: ${errorText(err)}`);
    }
  }

  private handleClose(commId: string, data: JsonObject): void {
    const entry = this.open.get(commId);
    if (entry === undefined) {
      this.log(`comm_close: no open comm with id ${JSON.stringify(commId)}; ignored`);
      return;
    }
    this.open.delete(commId);
    try {
      entry.handler.onClose?.(data);
    } catch (err) {
      this.log(`comm_close: the close handler of comm ${JSON.stringify(commId)} failed: ${errorText(err)}`);
    }
  }

  /** Logs `error` and tells the front end: a refused open is closed, any other bad message gets an error reply. */
  private refuse(kind: string, commId: string, error: string): void {
    this.log(error);
    const data = { ok: false, error };
    if (kind === 'comm_open') this.publish('comm_close', { comm_id: commId, data });
    else this.publish('comm_msg', { comm_id: commId, data });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
