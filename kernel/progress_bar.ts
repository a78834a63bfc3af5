import { escapeHtml, SHOWN_HANDLE, type MimeBundle } from './display_bundle';
import type { ProgressView } from '../src/views/types';

export type { ProgressView };

/** A progress bar shown once (display_data) and then updated in place (update_display_data with its display_id). */
export interface ProgressBar {
  readonly displayId: string;
  readonly done: number;
  readonly total: number;
  /** Advances by `steps` (default 1). Throws InterruptedError when the user interrupted the cell: call it between batches. */
  tick(steps?: number): void;
  /** Sets the count of finished steps (clamped to 0..total). */
  update(done: number): void;
}

export interface ProgressDeps {
  show(bundle: MimeBundle, displayId: string, update: boolean): void;
  newDisplayId(): string;
  /** Throws when the running cell was interrupted. */
  throwIfInterrupted(): void;
  now(): number;
  /** Minimum milliseconds between two updates; the first and the last are always sent. */
  readonly minIntervalMs: number;
}

/**
 * Creates a progress bar for `total` steps. Updates are throttled so a tight loop does not flood the client; the
 * bar is always redrawn when it reaches `total`.
 */
export function createProgressBar(total: number, label: string, deps: ProgressDeps): ProgressBar {
  if (!Number.isInteger(total) || total < 0) throw new TypeError(`progress: argument 'total' was ${total}; expected a non-negative integer`);
  if (typeof label !== 'string') throw new TypeError(`progress: argument 'label' was ${typeof label}; expected a string`);
  const displayId = deps.newDisplayId();
  let done = 0;
  let lastSent = -Infinity;
  let sentDone = -1;
  const send = (update: boolean): void => {
    deps.show(progressBundle({ kind: 'progress', version: 1, id: displayId, title: label || 'progress', actions: [], done, total, label }), displayId, update);
    lastSent = deps.now();
    sentDone = done;
  };
  send(false);
  const set = (value: number): void => {
    done = Math.min(total, Math.max(0, Math.floor(value)));
    if (done === sentDone) return;
    if (done === total || deps.now() - lastSent >= deps.minIntervalMs) send(true);
  };
  const bar: ProgressBar & { [SHOWN_HANDLE]: true } = {
    [SHOWN_HANDLE]: true,
    displayId,
    get done() {
      return done;
    },
    total,
    tick(steps = 1) {
      deps.throwIfInterrupted();
      set(done + steps);
    },
    update(value) {
      if (!Number.isFinite(value)) throw new TypeError(`progress.update: argument 'done' was ${value}; expected a finite number`);
      set(value);
    },
  };
  return bar;
}

/** The MIME bundle of a progress view: the view, a text bar and an HTML <progress> element. */
export function progressBundle(view: ProgressView): MimeBundle {
  const fraction = view.total === 0 ? 1 : view.done / view.total;
  const width = 30;
  const filled = Math.round(fraction * width);
  const text = `${view.label ? `${view.label} ` : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${view.done}/${view.total} (${Math.round(fraction * 100)}%)`;
  const html = `<div class="quantscope-progress"><progress value="${view.done}" max="${view.total}"></progress> ${escapeHtml(text)}</div>`;
  return { 'application/vnd.quantscope.progress+json': { ...view, actions: [...view.actions] }, 'text/plain': text, 'text/html': html };
}
