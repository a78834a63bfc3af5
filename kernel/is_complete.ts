import * as ts from '@tslab/typescript-for-tslab';
import type { CompletenessReport } from './cell_executor';

/**
 * Whether a console front end should run `code` now or read another line. Incomplete: the parser's only complaint is
 * a missing token at the very end ("'}' expected."). Invalid: any other syntax error. Two trailing blank lines force
 * 'complete', as in IPython, so a user can always submit.
 */
export function checkCompleteness(code: string): CompletenessReport {
  if (/(^|\n)[ \t]*\n[ \t]*$/.test(code) && code.trim() !== '') return { status: 'complete' };
  const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diagnostics = (file as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diagnostics.length === 0) return { status: 'complete' };
  const atEnd = diagnostics.every((d) => d.start >= code.trimEnd().length);
  if (atEnd || unterminated(diagnostics)) return { status: 'incomplete', indent: nextIndent(code) };
  return { status: 'invalid' };
}

// Unterminated template literals and block comments report at their start, yet more lines would complete them.
function unterminated(diagnostics: readonly ts.DiagnosticWithLocation[]): boolean {
  return diagnostics.some((d) => d.code === 1160 /* Unterminated template literal */ || d.code === 1010 /* '*\/' expected */);
}

function nextIndent(code: string): string {
  const last = /[^\n]*$/.exec(code)?.[0] ?? '';
  const current = /^\s*/.exec(last)?.[0] ?? '';
  return /[{([]\s*$/.test(last) ? `${current}  ` : current;
}
