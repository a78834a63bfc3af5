import type { CellExecutor } from './cell_executor';
import { CommManager } from './comm_manager';
import { runExecuteRequest, type ExecutionState } from './execute_request';
import { exceptionReport } from './error_report';
import { History } from './history';
import { createMessage, type JsonObject, type JupyterMessage, type KernelIdentity } from './message';
import type { OutputRouter } from './output_router';
import type { Signer } from './signer';
import type { Transport } from './transport';
import type { MimeBundle } from './display_bundle';
import { decodeMessage, encodeMessage, WireError } from './wire';

export interface KernelOptions {
  readonly transport: Transport;
  readonly signer: Signer;
  readonly identity: KernelIdentity;
  readonly router: OutputRouter;
  /** The bundle of a cell's value (see view_display.ts). */
  readonly bundleOf: (value: unknown) => MimeBundle;
  readonly comms: (publish: (msgType: 'comm_open' | 'comm_msg' | 'comm_close', content: JsonObject) => void) => CommManager;
  /** Starts the executor (type-checker, prelude, backend); called once, when the first request needs it or sooner. */
  readonly startExecutor: () => Promise<CellExecutor>;
  readonly kernelInfo: () => JsonObject;
  /** Runs after every execution and after the executor starts (the kernel re-asserts its process handlers there). */
  readonly afterExecute: () => void;
  /** The kernel's own log (Jupyter shows the process's stderr in its server log). */
  readonly log: (text: string) => void;
  /** Called after the shutdown_reply has been sent and the sockets are flushed. */
  readonly onShutdown: (restart: boolean) => void;
}

interface Queued {
  readonly msg: JupyterMessage;
  aborted: boolean;
}

/**
 * The Jupyter protocol above the wire: decodes and verifies every incoming message, runs shell requests one at a time
 * in arrival order, answers control requests (interrupt, shutdown) at once, and brackets every request with busy and
 * idle status messages.
 */
export class Kernel {
  private readonly shellQueue: Queued[] = [];
  private shellRunning = false;
  private executor: Promise<CellExecutor> | null = null;
  private startedExecutor: CellExecutor | null = null;
  private readonly history = new History();
  private readonly state: ExecutionState = { executionCount: 0, interrupt: new AbortController() };
  private readonly commManager: CommManager;
  private currentParent: JupyterMessage | null = null;
  private shuttingDown = false;

  constructor(private readonly options: KernelOptions) {
    this.commManager = options.comms((type, content) => {
      if (this.currentParent !== null) this.publish(type, content, this.currentParent);
    });
  }

  /** Starts serving: incoming shell and control messages are decoded, verified and dispatched. */
  start(): void {
    const { transport } = this.options;
    transport.onFrames('shell', (frames) => this.receive('shell', frames));
    transport.onFrames('control', (frames) => this.receive('control', frames));
    transport.onFrames('stdin', () => this.options.log('stdin: input_reply received, but this kernel never asks for input; ignored'));
    this.publish('status', { execution_state: 'starting' });
  }

  /** Starts the executor now instead of on first use. */
  warmUp(): Promise<CellExecutor> {
    if (this.executor === null) {
      this.executor = this.options.startExecutor();
      void this.executor.then((e) => {
        this.startedExecutor = e;
        this.options.afterExecute();
      }, () => undefined);
      this.executor.catch((err: unknown) => this.options.log(`executor failed to start: ${err instanceof Error ? err.stack : String(err)}`));
    }
    return this.executor;
  }

  /** Interrupts the running cell (SIGINT or interrupt_request): its signal aborts and its await is abandoned. */
  interrupt(): void {
    // The executor first, so a cell that reacts to the signal by returning still reports the interrupt.
    this.startedExecutor?.interrupt();
    this.state.interrupt.abort();
  }

  /** The interrupt signal of the running (or last) execution. */
  get signal(): AbortSignal {
    return this.state.interrupt.signal;
  }

  private receive(channel: 'shell' | 'control', frames: Buffer[]): void {
    let msg: JupyterMessage;
    try {
      msg = decodeMessage(frames, this.options.signer);
    } catch (err) {
      // A message that fails verification may be forged: drop it without a reply, say why in the log, keep serving.
      this.options.log(`${channel}: dropped a message: ${err instanceof WireError ? err.message : String(err)}`);
      return;
    }
    if (channel === 'control') {
      void this.handleControl(msg);
      return;
    }
    this.shellQueue.push({ msg, aborted: false });
    if (!this.shellRunning) void this.runShellQueue();
  }

  private async runShellQueue(): Promise<void> {
    this.shellRunning = true;
    try {
      for (let next = this.shellQueue.shift(); next !== undefined; next = this.shellQueue.shift()) {
        const { msg, aborted } = next;
        await this.withStatus(msg, () => (aborted ? this.abortReply(msg) : this.handleShell(msg)));
      }
    } finally {
      this.shellRunning = false;
    }
  }

  private async withStatus(msg: JupyterMessage, handle: () => Promise<void> | void): Promise<void> {
    this.publish('status', { execution_state: 'busy' }, msg);
    const previous = this.currentParent;
    this.currentParent = msg;
    try {
      await handle();
    } catch (err) {
      this.options.log(`${msg.header.msg_type}: the handler failed: ${err instanceof Error ? err.stack : String(err)}`);
      this.replyWithError(msg, err);
    } finally {
      this.currentParent = msg.header.msg_type === 'execute_request' ? msg : previous ?? msg;
      this.publish('status', { execution_state: 'idle' }, msg);
    }
  }

  private async handleShell(msg: JupyterMessage): Promise<void> {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case 'kernel_info_request':
        this.reply(msg, 'kernel_info_reply', this.options.kernelInfo());
        // Clients ask for kernel_info first; once answered, the slow part of the start-up can begin.
        void this.options.transport.flush().then(() => setImmediate(() => void this.warmUp()));
        return;
      case 'execute_request': {
        const executor = await this.warmUp();
        const result = await runExecuteRequest({
          msg,
          executor,
          state: this.state,
          history: this.history,
          router: this.options.router,
          bundleOf: this.options.bundleOf,
          publish: (type, content) => this.publish(type, content, msg),
        });
        this.options.afterExecute();
        if (result.failed && c.stop_on_error !== false) await this.abortQueuedExecutions();
        this.reply(msg, 'execute_reply', result.reply);
        return;
      }
      case 'complete_request': {
        const code = typeof c.code === 'string' ? c.code : '';
        const cursor = typeof c.cursor_pos === 'number' ? c.cursor_pos : code.length;
        const completion = (await this.warmUp()).complete(code, cursor);
        this.reply(msg, 'complete_reply', { status: 'ok', matches: [...completion.matches], cursor_start: completion.cursorStart, cursor_end: completion.cursorEnd, metadata: {} });
        return;
      }
      case 'inspect_request': {
        const code = typeof c.code === 'string' ? c.code : '';
        const cursor = typeof c.cursor_pos === 'number' ? c.cursor_pos : code.length;
        const text = (await this.warmUp()).inspect(code, cursor);
        this.reply(msg, 'inspect_reply', { status: 'ok', found: text !== null, data: text === null ? {} : { 'text/plain': text }, metadata: {} });
        return;
      }
      case 'is_complete_request': {
        const report = (await this.warmUp()).isComplete(typeof c.code === 'string' ? c.code : '');
        this.reply(msg, 'is_complete_reply', report.indent === undefined ? { status: report.status } : { status: report.status, indent: report.indent });
        return;
      }
      case 'history_request':
        this.reply(msg, 'history_reply', { status: 'ok', history: this.history.query(c) });
        return;
      case 'comm_info_request':
        this.reply(msg, 'comm_info_reply', { status: 'ok', comms: this.commManager.info(typeof c.target_name === 'string' ? c.target_name : undefined) });
        return;
      case 'comm_open':
      case 'comm_msg':
      case 'comm_close':
        await this.commManager.handle(msg);
        return;
      case 'shutdown_request':
        await this.shutdown(msg);
        return;
      default:
        this.options.log(`shell: unsupported message type ${JSON.stringify(msg.header.msg_type)}; ignored`);
    }
  }

  private async handleControl(msg: JupyterMessage): Promise<void> {
    switch (msg.header.msg_type) {
      case 'interrupt_request':
        await this.withStatus(msg, () => {
          this.interrupt();
          this.reply(msg, 'interrupt_reply', { status: 'ok' }, 'control');
        });
        return;
      case 'shutdown_request':
        await this.withStatus(msg, () => this.shutdown(msg, 'control'));
        return;
      case 'kernel_info_request':
        await this.withStatus(msg, () => this.reply(msg, 'kernel_info_reply', this.options.kernelInfo(), 'control'));
        return;
      default:
        this.options.log(`control: unsupported message type ${JSON.stringify(msg.header.msg_type)}; ignored`);
    }
  }

  /**
   * The protocol's stop_on_error rule: when a cell fails, the execute_requests already sent are aborted (replied
   * 'aborted' without running). First the event loop turns, so requests sitting in ZeroMQ's buffers while the cell
   * ran are in the queue; requests sent after the failure run normally.
   */
  private async abortQueuedExecutions(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    for (const q of this.shellQueue) if (q.msg.header.msg_type === 'execute_request') q.aborted = true;
  }

  /** A request whose handler failed (e.g. the executor could not start) still gets a reply, so no client waits forever. */
  private replyWithError(msg: JupyterMessage, err: unknown): void {
    const type = msg.header.msg_type;
    if (!type.endsWith('_request')) return;
    const report = exceptionReport(err);
    const content: JsonObject = { status: 'error', ...report };
    if (type === 'execute_request') content.execution_count = this.state.executionCount;
    const channel = ['interrupt_request', 'shutdown_request'].includes(type) ? 'control' : 'shell';
    this.reply(msg, type.replace(/_request$/, '_reply'), content, channel);
  }

  private abortReply(msg: JupyterMessage): void {
    if (msg.header.msg_type !== 'execute_request') return;
    this.reply(msg, 'execute_reply', { status: 'aborted', execution_count: this.state.executionCount });
  }

  private async shutdown(msg: JupyterMessage, channel: 'shell' | 'control' = 'shell'): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const restart = msg.content.restart === true;
    this.reply(msg, 'shutdown_reply', { status: 'ok', restart }, channel);
    this.publish('status', { execution_state: 'idle' }, msg);
    await this.options.transport.flush();
    this.options.onShutdown(restart);
  }

  private reply(parent: JupyterMessage, msgType: string, content: JsonObject, channel: 'shell' | 'control' = 'shell'): void {
    this.send(channel, createMessage(this.options.identity, msgType, content, parent));
  }

  private publish(msgType: string, content: JsonObject, parent?: JupyterMessage): void {
    const msg = createMessage(this.options.identity, msgType, content, parent);
    // iopub has no routing identities; its "topic" frame is the message type.
    this.send('iopub', { ...msg, identities: [Buffer.from(`kernel.${this.options.identity.session}.${msgType}`)] });
  }

  private send(channel: 'shell' | 'control' | 'iopub', msg: JupyterMessage): void {
    this.options.transport.send(channel, encodeMessage(msg, this.options.signer));
  }
}
