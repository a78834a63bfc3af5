import type { Kernel } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';
import { parseCommReply, type CommReply } from '../../src/views/parse';

/** The comm target the kernel registers (kernel/quantscope_comm_target.ts). */
export const COMM_TARGET = 'quantscope';

export type Reply = CommReply['reply'];

/** Finds the kernel of the notebook that shows a widget; null when there is none (no notebook, no session). */
export type KernelLookup = () => Kernel.IKernelConnection | null;

/**
 * A view's requests to the kernel over one `quantscope` comm, opened with `{ view_id }` on the first request and
 * reopened when the kernel changes or restarts. Replies are matched to requests by `request_id`. `request` never
 * throws: no kernel, a closed comm, a dead kernel and a malformed reply all come back as `{ ok: false, error }`.
 */
export class ViewComm {
  private comm: Kernel.IComm | null = null;
  private kernel: Kernel.IKernelConnection | null = null;
  private sent = 0;
  private readonly pending = new Map<string, (reply: Reply) => void>();

  constructor(readonly viewId: string, private readonly findKernel: KernelLookup) {}

  async request(action: string, args: JSONObject = {}): Promise<Reply> {
    try {
      const comm = this.open();
      const requestId = `${this.viewId}#${++this.sent}`;
      const reply = new Promise<Reply>((resolve) => this.pending.set(requestId, resolve));
      comm.send({ ...args, action, request_id: requestId });
      return await reply;
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Closes the comm and answers every pending request with an error. */
  dispose(): void {
    this.drop('the view was closed');
  }

  private open(): Kernel.IComm {
    const kernel = this.findKernel();
    if (kernel === null) throw new Error('No kernel: this view is not in a notebook with a running kernel.');
    if (this.comm !== null && !this.comm.isDisposed && this.kernel === kernel) return this.comm;
    this.drop('the kernel changed');
    const comm = kernel.createComm(COMM_TARGET);
    comm.onMsg = (msg) => this.receive(msg.content.data);
    comm.onClose = (msg) => {
      // A refused open comes back as a close whose data is { ok: false, error }.
      const refusal = parseCommReply(msg.content.data);
      if (refusal.ok && !refusal.value.reply.ok) this.failPending(refusal.value.reply.error);
      if (this.comm === comm) this.drop('the kernel closed the quantscope comm');
    };
    kernel.statusChanged.connect(this.onStatus, this);
    this.comm = comm;
    this.kernel = kernel;
    comm.open({ view_id: this.viewId });
    return comm;
  }

  private onStatus(kernel: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (kernel === this.kernel && (status === 'dead' || status === 'restarting' || status === 'autorestarting')) {
      this.drop(`the kernel is ${status}`);
    }
  }

  private receive(data: unknown): void {
    const parsed = parseCommReply(data);
    if (!parsed.ok) {
      // A reply we cannot match fails every waiting request rather than leaving them waiting forever.
      this.failPending(parsed.error);
      return;
    }
    const { requestId, reply } = parsed.value;
    const resolve = requestId === null ? undefined : this.pending.get(String(requestId));
    if (resolve === undefined) {
      if (!reply.ok) this.failPending(reply.error); // e.g. the comm could not open: answered without our id
      return;
    }
    this.pending.delete(String(requestId));
    resolve(reply);
  }

  private failPending(error: string): void {
    for (const resolve of this.pending.values()) resolve({ ok: false, error });
    this.pending.clear();
  }

  private drop(why: string): void {
    this.failPending(`Request abandoned: ${why}.`);
    this.kernel?.statusChanged.disconnect(this.onStatus, this);
    const comm = this.comm;
    this.comm = null;
    this.kernel = null;
    if (comm !== null && !comm.isDisposed) {
      try {
        comm.close();
      } catch {
        // The kernel is gone; the comm dies with it.
      }
    }
  }
}
