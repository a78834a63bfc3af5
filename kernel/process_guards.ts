/**
 * Keeps errors that escape a cell from ending the kernel. Some modules install process-wide handlers that rethrow
 * (Emscripten's output in @tensorflow/tfjs-backend-wasm adds `unhandledRejection: reason => { throw reason }`, which
 * would kill the kernel on the first unawaited rejected promise); `reassert` removes every handler but the kernel's.
 */
export interface ProcessGuards {
  reassert(): void;
}

type Report = (kind: string, error: unknown) => void;

export function installProcessGuards(report: Report): ProcessGuards {
  const onException = (err: unknown): void => report('Uncaught exception', err);
  const onRejection = (reason: unknown): void => report('Unhandled promise rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    reassert() {
      for (const l of process.listeners('uncaughtException')) if (l !== onException) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (l !== onRejection) process.removeListener('unhandledRejection', l);
    },
  };
}
