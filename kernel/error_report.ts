import type { CompileDiagnostic } from './cell_executor';
import { inspectValue } from './display_bundle';
import type { JsonObject } from './message';

/** The ename / evalue / traceback triple of an error message and an error reply. */
export interface ErrorReport extends JsonObject {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Type errors: ename "CompileError", evalue the first diagnostic, traceback every diagnostic with its position. */
export function compileErrorReport(diagnostics: readonly CompileDiagnostic[]): ErrorReport {
  const lines = diagnostics.map((d) => `${d.file ? `${d.file} ` : ''}${d.line}:${d.column} - ${d.message} (TS${d.code})`);
  const count = diagnostics.length === 1 ? '' : ` (and ${diagnostics.length - 1} more)`;
  return { ename: 'CompileError', evalue: `${lines[0] ?? 'the cell did not compile'}${count}`, traceback: ['CompileError: the cell did not type-check', ...lines] };
}

/**
 * A thrown value: its name and message, and a traceback of the stack without the kernel's own and Node's internal
 * frames. Values that are not Errors (throw 42) are shown with util.inspect.
 */
export function exceptionReport(error: unknown): ErrorReport {
  if (!(error instanceof Error)) {
    const evalue = inspectValue(error);
    return { ename: 'Uncaught', evalue, traceback: [`Uncaught ${evalue}`] };
  }
  const ename = error.name || error.constructor.name || 'Error';
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => !/\(node:|\bnode:internal\b|[\\/]build[\\/]kernel[\\/]|[\\/]tslab[\\/]/.test(l));
  return { ename, evalue: error.message, traceback: [`${ename}: ${error.message}`, ...frames] };
}

export function interruptReport(): ErrorReport {
  return { ename: 'Interrupted', evalue: 'the cell was interrupted (interrupt_request or SIGINT); the kernel keeps its state', traceback: ['Interrupted: the cell was interrupted'] };
}
