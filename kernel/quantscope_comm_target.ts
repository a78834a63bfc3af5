import type { CommTarget } from './comm_manager';
import { isJsonObject, type Json, type JsonObject } from './message';

/** The comm target the Quantscope JupyterLab extension opens. */
export const QUANTSCOPE_COMM_TARGET = 'quantscope';

/** A request from a widget: `{ action, ...arguments }`. */
export type CommRequest = JsonObject & { readonly action: string };
export type ActionHandler = (request: CommRequest) => Json | Promise<Json>;
/** The actions one view answers, by action name. */
export type ViewActions = Readonly<Record<string, ActionHandler>>;

/**
 * The views that accept requests from their widgets, by view id. An interactive view registers its actions here when
 * it is displayed; the widget opens a `quantscope` comm with `{ view_id }` and sends `{ action, ... }` requests.
 */
export class ViewRegistry {
  private readonly views = new Map<string, ViewActions>();

  /** Registers (or replaces) the actions of view `viewId`; returns a function that unregisters them. */
  register(viewId: string, actions: ViewActions): () => void {
    if (typeof viewId !== 'string' || viewId === '') throw new TypeError(`registerView: argument 'viewId' was ${JSON.stringify(viewId)}; expected a non-empty string`);
    if (!isObjectOfFunctions(actions)) throw new TypeError(`registerView: argument 'actions' must map action names to functions`);
    this.views.set(viewId, actions);
    return () => {
      if (this.views.get(viewId) === actions) this.views.delete(viewId);
    };
  }

  get(viewId: string): ViewActions | undefined {
    return this.views.get(viewId);
  }
}

/** Actions every comm answers, with or without a view. */
const BUILT_IN: ViewActions = {
  ping: () => 'pong',
};

/**
 * The `quantscope` target. Replies are `{ ok: true, result }` or `{ ok: false, error }`, echoing the request's
 * `request_id` when it has one, so a widget can match replies to requests. A malformed request gets an error reply
 * that names the field; a failing action gets its error message.
 */
export function quantscopeCommTarget(views: ViewRegistry): CommTarget {
  return {
    open(comm, data) {
      const viewId = data.view_id;
      if (viewId !== undefined && typeof viewId !== 'string') {
        throw new TypeError(`data.view_id was ${JSON.stringify(viewId)}; expected a string`);
      }
      return {
        async onMessage(payload) {
          const requestId = payload.request_id;
          const reply = (body: JsonObject): void =>
            comm.send(typeof requestId === 'string' || typeof requestId === 'number' ? { ...body, request_id: requestId } : body);
          const action = payload.action;
          if (typeof action !== 'string' || action === '') {
            reply({ ok: false, error: `quantscope comm: data.action was ${JSON.stringify(action ?? null)}; expected a non-empty string` });
            return;
          }
          const actions = viewId === undefined ? undefined : views.get(viewId);
          if (viewId !== undefined && actions === undefined && !(action in BUILT_IN)) {
            reply({ ok: false, error: `quantscope comm: no view ${JSON.stringify(viewId)} is registered (was it displayed in this kernel session?)` });
            return;
          }
          const handler = (actions && Object.hasOwn(actions, action) ? actions[action] : undefined) ?? (Object.hasOwn(BUILT_IN, action) ? BUILT_IN[action] : undefined);
          if (handler === undefined) {
            const known = [...Object.keys(actions ?? {}), ...Object.keys(BUILT_IN)];
            reply({ ok: false, error: `quantscope comm: unknown action ${JSON.stringify(action)}; expected one of ${known.join(', ')}` });
            return;
          }
          try {
            const result = await handler({ ...payload, action });
            reply({ ok: true, result: result === undefined ? null : result });
          } catch (err) {
            reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
          }
        },
      };
    },
  };
}

function isObjectOfFunctions(value: unknown): value is ViewActions {
  return isJsonObject(value as Json) && Object.values(value as object).every((v) => typeof v === 'function');
}
