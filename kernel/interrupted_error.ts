/**
 * Thrown inside a cell when the user interrupted it (interrupt_request or SIGINT), for example by a progress bar's
 * `tick()` between two batches. The kernel reports it as an interruption, not as a failure of the code.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(message = 'the cell was interrupted') {
    super(message);
  }
}

/** Node's error when SIGINT breaks a script started with `breakOnSigint`. */
export function isSigintBreak(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
}
