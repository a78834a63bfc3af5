/// <reference types="node" />
/**
 * What cells see besides `q` and `tf`: the kernel's display, progress and interrupt helpers. The prelude declares
 * these names from the types below, so cells get completion and type-checking for them.
 */
import * as crypto from 'node:crypto';
import { SHOWN_HANDLE, type MimeBundle } from './display_bundle';
import { InterruptedError } from './interrupted_error';
import type { OutputRouter } from './output_router';
import { createProgressBar, type ProgressBar } from './progress_bar';
import type { ViewActions, ViewRegistry } from './quantscope_comm_target';

export type { ProgressBar } from './progress_bar';
export type { ViewActions, ActionHandler, CommRequest } from './quantscope_comm_target';

/** A shown output that can be replaced in place. */
export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces the shown output with `value`'s display (update_display_data). */
  update(value: unknown): void;
}

export interface KernelApi {
  /** Aborted when the user interrupts the running cell; pass it to long-running work. */
  readonly signal: AbortSignal;
  /** Throws InterruptedError when the running cell was interrupted: call it between batches. */
  throwIfInterrupted(): void;
  /** Lets the widget of view `viewId` call `actions` over the `quantscope` comm. Returns an unregister function. */
  registerView(viewId: string, actions: ViewActions): () => void;
}

export interface CellApi {
  /**
   * Shows `value` now (display_data): as its own MIME bundle when it implements Symbol.for("Jupyter.display"),
   * otherwise as text.
   */
  display(value: unknown): DisplayHandle;
  /** A progress bar for `total` steps, updated in place; `tick()` between batches also stops an interrupted cell. */
  progress(total: number, label?: string): ProgressBar;
  /** Clears the cell's output, now or (wait = true) when the next output arrives. */
  clearOutput(wait?: boolean): void;
  readonly kernel: KernelApi;
}

export interface CellApiDeps {
  readonly router: OutputRouter;
  readonly views: ViewRegistry;
  /** The bundle of a displayed value (registering an interactive view's actions). */
  readonly bundleOf: (value: unknown) => MimeBundle;
  /** The running execution's interrupt signal. */
  currentSignal(): AbortSignal;
}

/** Builds the helpers, bound to one kernel's output router, view registry and interrupt state. */
export function createCellApi(deps: CellApiDeps): CellApi {
  const newDisplayId = (): string => crypto.randomBytes(8).toString('hex');
  const throwIfInterrupted = (): void => {
    if (deps.currentSignal().aborted) throw new InterruptedError();
  };
  return {
    display(value) {
      const displayId = newDisplayId();
      deps.router.current.display(deps.bundleOf(value), displayId, false);
      return { displayId, update: (next) => deps.router.current.display(deps.bundleOf(next), displayId, true), [SHOWN_HANDLE]: true } as DisplayHandle;
    },
    progress(total, label = '') {
      return createProgressBar(total, label, {
        show: (bundle, id, update) => deps.router.current.display(bundle, id, update),
        newDisplayId,
        throwIfInterrupted,
        now: () => performance.now(),
        minIntervalMs: 100,
      });
    },
    clearOutput(wait = false) {
      deps.router.current.clearOutput(wait);
    },
    kernel: {
      get signal() {
        return deps.currentSignal();
      },
      throwIfInterrupted,
      registerView: (viewId, actions) => deps.views.register(viewId, actions),
    },
  };
}
