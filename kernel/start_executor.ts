import * as q from '../src/index';
import type { CellApi } from './cell_api';
import type { CellExecutor } from './cell_executor';
import { compileErrorReport, exceptionReport } from './error_report';
import type { OutputRouter } from './output_router';
import { preludePaths, preludeSource } from './prelude';
import { createTslabExecutor } from './tslab_executor';

export interface StartExecutorOptions {
  readonly rootDir: string;
  readonly router: OutputRouter;
  readonly cellApi: CellApi;
  readonly log: (text: string) => void;
}

/**
 * Creates the TypeScript executor, runs the prelude (so `q` and `tf` are bound, with their types), defines the cell
 * helpers and starts the TensorFlow.js backend. A backend that cannot start is logged and leaves `backend`
 * undefined; a prelude that does not compile is a broken installation and fails the start.
 */
export async function startExecutor(options: StartExecutorOptions): Promise<CellExecutor> {
  const started = performance.now();
  const executor = createTslabExecutor({ rootDir: options.rootDir, console: options.router.console });
  const outcome = await executor.execute(preludeSource(preludePaths()), 'prelude');
  if (outcome.kind === 'compile-error') throw new Error(`startExecutor: the prelude did not compile: ${compileErrorReport(outcome.diagnostics).traceback.join('; ')}`);
  if (outcome.kind === 'exception') throw new Error(`startExecutor: the prelude failed: ${exceptionReport(outcome.error).traceback.join('\n')}`);
  executor.define('display', options.cellApi.display);
  executor.define('progress', options.cellApi.progress);
  executor.define('clearOutput', options.cellApi.clearOutput);
  executor.define('kernel', options.cellApi.kernel);
  try {
    const backend = await q.initBackend();
    executor.define('backend', backend);
    options.log(`ready in ${Math.round(performance.now() - started)} ms; backend ${q.describeBackend(backend)}`);
  } catch (err) {
    options.log(`the TensorFlow.js backend did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  return executor;
}
