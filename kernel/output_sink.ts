import type { MimeBundle } from './display_bundle';

/** Where one request's outputs go: the iopub messages of a cell. */
export interface OutputSink {
  stream(name: 'stdout' | 'stderr', text: string): void;
  /** display_data, or update_display_data of an earlier display with the same id when `update` is set. */
  display(bundle: MimeBundle, displayId: string, update: boolean): void;
  clearOutput(wait: boolean): void;
}

/** Kernel log output (the process's stderr, which Jupyter keeps), used when no request is running yet. */
export const logSink: OutputSink = {
  stream: (name, text) => process.stderr.write(`[cell ${name}] ${text}`),
  display: (bundle) => process.stderr.write(`[cell display] ${String(bundle['text/plain'] ?? Object.keys(bundle).join(', '))}\n`),
  clearOutput: () => undefined,
};
