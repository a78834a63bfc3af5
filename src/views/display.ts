import * as crypto from 'node:crypto';
import { formatTable } from '../cli/table';
import { VIEW_VERSION, viewMimeType, type View } from './types';

/** The protocol by which a value displays itself in Jupyter (Deno's and tslab's convention): a MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;
/**
 * The actions a displayed view answers over the `quantscope` comm. A kernel that finds this symbol on a displayed
 * value registers the handlers under the view's id; the library itself never talks to Jupyter.
 */
export const VIEW_ACTIONS: unique symbol = Symbol.for('quantscope.viewActions') as never;

/** One action's handler: the widget's request arguments in, a JSON-able result out. */
export type ViewActionHandler = (request: Readonly<Record<string, unknown>>) => unknown;

/** A view with its fallbacks, ready to display; `view` is the JSON the widget receives. */
export interface Displayable<V extends View = View> {
  readonly view: V;
  readonly text: string;
  [JUPYTER_DISPLAY](): Record<string, unknown>;
  readonly [VIEW_ACTIONS]: Readonly<Record<string, ViewActionHandler>>;
}

/** What every view builder fills in; `displayable` adds kind-independent fields (version, id, actions). */
export type ViewBody<V extends View> = V extends View ? Omit<V, 'version' | 'id' | 'actions'> : never;

/** A fresh view id, unique in the kernel session. */
export function newViewId(kind: string): string {
  return `${kind}-${crypto.randomBytes(6).toString('hex')}`;
}

/**
 * Wraps a view for display: the view under its MIME type, `text/plain` and an escaped `text/html` table for clients
 * without the extension, and the handlers of its interactive actions (listed in `view.actions`).
 */
export function displayable<V extends View>(body: ViewBody<V>, fallback: TableFallback, handlers: Readonly<Record<string, ViewActionHandler>> = {}): Displayable<V> {
  const view = { ...body, version: VIEW_VERSION, id: newViewId(body.kind), actions: Object.keys(handlers) } as unknown as V;
  const table = tableDisplay(view.title, view, fallback);
  return {
    view,
    text: table.text,
    [JUPYTER_DISPLAY]: () => ({ [viewMimeType(view.kind)]: view, ...table[JUPYTER_DISPLAY]() }),
    [VIEW_ACTIONS]: handlers,
  };
}

/** A result shown as a table only (text and escaped HTML), with its data alongside for code to read. */
export interface TableDisplay<T> {
  readonly data: T;
  readonly text: string;
  [JUPYTER_DISPLAY](): Record<string, unknown>;
}

export function tableDisplay<T>(title: string, data: T, table: TableFallback): TableDisplay<T> {
  const text = `${title}\n${table.notes?.length ? `${table.notes.join('\n')}\n` : ''}${formatTable(table.header, table.rows)}`;
  return { data, text, [JUPYTER_DISPLAY]: () => ({ 'text/plain': text, 'text/html': htmlTable(title, table) }) };
}

/** The table a view falls back to where no extension draws it (nbconvert, GitHub, a terminal). */
export interface TableFallback {
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  /** Lines shown between the title and the table. */
  readonly notes?: readonly string[];
}

/** Escapes the five HTML-special characters, so model text (layer names) never becomes markup. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function htmlTable(title: string, t: TableFallback): string {
  const cell = (tag: string, v: string | number) => `<${tag}>${escapeHtml(String(v))}</${tag}>`;
  return [
    `<div class="quantscope-fallback"><p><b>${escapeHtml(title)}</b></p>`,
    ...(t.notes ?? []).map((n) => `<p>${escapeHtml(n)}</p>`),
    `<table><thead><tr>${t.header.map((h) => cell('th', h)).join('')}</tr></thead><tbody>`,
    ...t.rows.map((r) => `<tr>${r.map((v) => cell('td', v)).join('')}</tr>`),
    '</tbody></table></div>',
  ].join('\n');
}

/** Formats a number for a fallback table ('-' for null). */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '-';
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function pct(x: number | null): string {
  return x === null ? '-' : `${(100 * x).toFixed(2)}%`;
}

/** JSON has no NaN or Infinity: views carry null for a number that is not finite. */
export function finiteOrNull(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}
