/**
 * What the kernel needs from a TypeScript executor. The wire protocol only ever sees this interface, so the
 * protocol can be tested with a fake executor and the executor without sockets.
 */
export interface CellExecutor {
  /** Type-checks and runs one cell. Never rejects: every failure is an outcome. */
  execute(code: string, cellName: string): Promise<ExecutionOutcome>;
  complete(code: string, cursor: number): Completion;
  /** Documentation of the symbol at `cursor` as plain text, or null when there is none. */
  inspect(code: string, cursor: number): string | null;
  isComplete(code: string): CompletenessReport;
  /** Makes `value` visible to cells under `name` (its type comes from the prelude's declarations). */
  define(name: string, value: unknown): void;
  /** Stops the running cell: its await is abandoned and the cell reports 'interrupted'. */
  interrupt(): void;
  close(): void;
}

export interface CompileDiagnostic {
  /** 1-based line and column in the cell, or in `file` when the error is in a module the cell imports. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly code: number;
  readonly file?: string;
}

export type ExecutionOutcome =
  | { readonly kind: 'ok'; readonly hasValue: boolean; readonly value?: unknown }
  | { readonly kind: 'compile-error'; readonly diagnostics: readonly CompileDiagnostic[] }
  | { readonly kind: 'exception'; readonly error: unknown }
  | { readonly kind: 'interrupted' };

export interface Completion {
  readonly matches: readonly string[];
  readonly cursorStart: number;
  readonly cursorEnd: number;
}

export interface CompletenessReport {
  readonly status: 'complete' | 'incomplete' | 'invalid';
  /** For 'incomplete': the indent of the next line. */
  readonly indent?: string;
}
