import { displayBundleOf, type MimeBundle } from './display_bundle';
import type { ActionHandler, ViewRegistry } from './quantscope_comm_target';

/** Where the library puts a displayed view's action handlers (see src/views/display.ts). */
const VIEW_ACTIONS = Symbol.for('quantscope.viewActions');
const VIEW_MIME = /^application\/vnd\.quantscope\.[a-z][a-z0-9-]*\+json$/;

/**
 * displayBundleOf, plus: when the value is an interactive Quantscope view (it carries handlers under
 * Symbol.for("quantscope.viewActions")), its handlers are registered under the view's id, so its widget can call
 * them over the `quantscope` comm. Only the actions the view lists are registered.
 */
export function viewAwareBundleOf(views: ViewRegistry): (value: unknown) => MimeBundle {
  return (value) => {
    const bundle = displayBundleOf(value);
    const handlers = (typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[VIEW_ACTIONS] : undefined) as Record<string, unknown> | undefined;
    if (handlers === undefined || handlers === null) return bundle;
    const mime = Object.keys(bundle).find((m) => VIEW_MIME.test(m));
    const view = mime === undefined ? undefined : bundle[mime];
    const id = typeof view === 'object' && view !== null && !Array.isArray(view) ? view.id : undefined;
    const listed = typeof view === 'object' && view !== null && !Array.isArray(view) && Array.isArray(view.actions) ? view.actions : [];
    if (typeof id !== 'string' || listed.length === 0) return bundle;
    const actions: Record<string, ActionHandler> = {};
    for (const name of listed) {
      const handler = typeof name === 'string' ? handlers[name] : undefined;
      if (typeof handler !== 'function') throw new TypeError(`view '${id}' lists action ${JSON.stringify(name)} but has no handler for it`);
      // Round-trip through JSON: a handler's result may hold typed arrays (sent as arrays) or NaN (sent as null).
      actions[name as string] = async (request) => JSON.parse(JSON.stringify((await (handler as (r: unknown) => unknown)(request)) ?? null,
        (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v)));
    }
    views.register(id, actions);
    return bundle;
  };
}
