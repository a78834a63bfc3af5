import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { logSink, type OutputSink } from './output_sink';

/**
 * Sends cell output to the request that is running, like ipykernel's OutStream: the kernel points it at each
 * execute_request's sink, and output written later (timers, unawaited promises, functions defined in an earlier
 * cell) goes to the most recent cell. Cells get `console` from here, so process.stdout is never patched.
 */
export class OutputRouter {
  private target: OutputSink = logSink;
  readonly console: Console;

  constructor() {
    const stream = (name: 'stdout' | 'stderr'): Writable =>
      new Writable({
        decodeStrings: false,
        write: (chunk: unknown, _encoding, done) => {
          this.target.stream(name, typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
          done();
        },
      });
    this.console = new Console({ stdout: stream('stdout'), stderr: stream('stderr'), colorMode: false });
  }

  get current(): OutputSink {
    return this.target;
  }

  route(sink: OutputSink): void {
    this.target = sink;
  }
}
