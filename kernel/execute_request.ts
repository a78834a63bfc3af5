import type { CellExecutor, ExecutionOutcome } from './cell_executor';
import { isShownHandle, type MimeBundle } from './display_bundle';
import { compileErrorReport, exceptionReport, interruptReport, type ErrorReport } from './error_report';
import type { History } from './history';
import type { JsonObject, JupyterMessage } from './message';
import type { OutputRouter } from './output_router';
import { requestOutput, type PublishForRequest } from './request_output';

/** What persists between executions: the count and the interrupt controller of the running cell. */
export interface ExecutionState {
  executionCount: number;
  interrupt: AbortController;
}

export interface ExecuteContext {
  readonly msg: JupyterMessage;
  readonly executor: CellExecutor;
  readonly state: ExecutionState;
  readonly history: History;
  readonly router: OutputRouter;
  readonly publish: PublishForRequest;
  /** The bundle of the cell's value (registering an interactive view's actions). */
  readonly bundleOf: (value: unknown) => MimeBundle;
}

export interface ExecuteResult {
  readonly reply: JsonObject;
  /** True when the cell failed (error or interrupt): the caller applies stop_on_error. */
  readonly failed: boolean;
}

/**
 * Runs one execute_request: execute_input, the cell's outputs, execute_result for its last value or an error message,
 * and the reply's content. The count advances for every request that stores history, whether it succeeds or not, as
 * in IPython; silent requests neither advance it nor publish execute_input or execute_result.
 */
export async function runExecuteRequest(ctx: ExecuteContext): Promise<ExecuteResult> {
  const c = ctx.msg.content;
  if (typeof c.code !== 'string') {
    const report: ErrorReport = { ename: 'BadRequest', evalue: `execute_request: content.code was ${JSON.stringify(c.code ?? null)}; expected a string`, traceback: [] };
    ctx.publish('error', report);
    return { reply: { status: 'error', execution_count: ctx.state.executionCount, ...report }, failed: true };
  }
  const code = c.code;
  const silent = c.silent === true;
  const storeHistory = !silent && c.store_history !== false;
  if (storeHistory) ctx.state.executionCount += 1;
  const count = ctx.state.executionCount;
  if (!silent) ctx.publish('execute_input', { code, execution_count: count });
  if (storeHistory) ctx.history.record(count, code);

  ctx.state.interrupt = new AbortController();
  ctx.router.route(requestOutput(ctx.publish));
  let outcome: ExecutionOutcome;
  if (code.trim() === '') outcome = { kind: 'ok', hasValue: false };
  else outcome = await ctx.executor.execute(code, `cell[${count}]`);

  let report: ErrorReport | null = null;
  if (outcome.kind === 'ok') {
    if (outcome.hasValue && !silent && !isShownHandle(outcome.value)) {
      try {
        const data = ctx.bundleOf(outcome.value);
        ctx.publish('execute_result', { execution_count: count, data, metadata: {} });
        const text = data['text/plain'];
        if (storeHistory && typeof text === 'string') ctx.history.recordOutput(count, text);
      } catch (err) {
        report = exceptionReport(err);
      }
    }
  } else if (outcome.kind === 'compile-error') {
    report = compileErrorReport(outcome.diagnostics);
  } else if (outcome.kind === 'exception') {
    report = exceptionReport(outcome.error);
  } else {
    report = interruptReport();
  }
  if (report === null) return { reply: { status: 'ok', execution_count: count, payload: [], user_expressions: {} }, failed: false };
  ctx.publish('error', report);
  return { reply: { status: 'error', execution_count: count, ...report }, failed: true };
}
