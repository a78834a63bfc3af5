import * as util from 'node:util';
// The views module itself, not src/index: loading the whole library (tfjs) would delay kernel_info.
import { escapeHtml } from '../src/views/display';
import type { Json, JsonObject } from './message';

/** MIME type -> data, as display_data and execute_result carry it. */
export type MimeBundle = { [mime: string]: Json };

/**
 * The protocol by which any object displays itself (Deno's convention): a method under this symbol returning a MIME
 * bundle. The library implements it on its results without importing anything from Jupyter.
 */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for('Jupyter.display') as never;

const MIME_TYPE = /^[\w\-+.]+\/[\w\-+.]+$/;
const VIEW_MIME = /^application\/vnd\.quantscope\.([a-z][a-z0-9-]*)\+json$/;

/**
 * Marks values that are handles to output already shown (display handles, progress bars): a cell ending in
 * `display(x)` or `progress(n)` shows the output, not the handle, as IPython's `display()` returns None.
 */
export const SHOWN_HANDLE: unique symbol = Symbol('quantscope.shownHandle') as never;

export function isShownHandle(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SHOWN_HANDLE] === true;
}

/** True when `value` has a `Symbol.for("Jupyter.display")` method. */
export function isDisplayable(value: unknown): value is { [DISPLAY_SYMBOL](): unknown } {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] === 'function';
}

/**
 * The MIME bundle to show for a value: a displayable value's own bundle (validated, with fallbacks completed), or
 * else `text/plain` from util.inspect, as the Node REPL would print it.
 */
export function displayBundleOf(value: unknown): MimeBundle {
  if (!isDisplayable(value)) return { 'text/plain': inspectValue(value) };
  const raw = value[DISPLAY_SYMBOL]();
  return withFallbacks(validateMimeBundle(raw, `Symbol.for("Jupyter.display") of ${describe(value)}`));
}

/**
 * Checks that `raw` is a MIME bundle: an object whose keys are MIME types, whose JSON types (application/json,
 * *+json) hold JSON values and whose other types hold strings. Throws a TypeError naming the offending key.
 */
export function validateMimeBundle(raw: unknown, source: string): MimeBundle {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError(`${source} returned ${inspectValue(raw)}; expected a MIME bundle object such as { "text/plain": "..." }`);
  }
  const bundle: MimeBundle = {};
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) throw new TypeError(`${source} returned an empty MIME bundle; expected at least one MIME type`);
  for (const [mime, data] of entries) {
    if (!MIME_TYPE.test(mime)) throw new TypeError(`${source}: key ${JSON.stringify(mime)} is not a MIME type`);
    if (isJsonMime(mime)) {
      const problem = jsonProblem(data, mime);
      if (problem !== null) throw new TypeError(`${source}: ${problem}`);
      bundle[mime] = data as Json;
    } else if (typeof data === 'string') {
      bundle[mime] = data;
    } else {
      throw new TypeError(`${source}: ${mime} was ${inspectValue(data)}; expected a string (only JSON MIME types hold objects)`);
    }
  }
  return bundle;
}

/**
 * Completes a bundle so every client can show something: a Quantscope view (application/vnd.quantscope.<kind>+json)
 * gets `text/plain` and an escaped `text/html` fallback when it lacks them, for nbconvert, GitHub and clients
 * without the extension; any other bundle gets `text/plain` when it has none.
 */
export function withFallbacks(bundle: MimeBundle): MimeBundle {
  const out: MimeBundle = { ...bundle };
  const viewMime = Object.keys(bundle).find((m) => VIEW_MIME.test(m));
  if (viewMime !== undefined) {
    const text = typeof out['text/plain'] === 'string' ? out['text/plain'] : viewText(viewMime, bundle[viewMime]);
    out['text/plain'] = text;
    if (out['text/html'] === undefined) out['text/html'] = `<pre class="quantscope-view-fallback">${escapeHtml(text)}</pre>`;
  } else if (out['text/plain'] === undefined) {
    out['text/plain'] = `[${Object.keys(bundle).join(', ')}]`;
  }
  return out;
}

/**
 * The bundle for a Quantscope view: `application/vnd.quantscope.<kind>+json` holding the view, plus `text/plain`
 * (`text`, or the view as indented JSON) and `text/html` (that text, escaped). Throws when the view has no valid
 * `kind` (lower-case, e.g. "layerwise") or integer `version`, or is not JSON.
 */
export function viewBundle(view: JsonObject, text?: string): MimeBundle {
  const kind = view.kind;
  if (typeof kind !== 'string' || !/^[a-z][a-z0-9-]*$/.test(kind)) {
    throw new TypeError(`viewBundle: argument 'view.kind' was ${inspectValue(kind)}; expected a lower-case kind such as "layerwise"`);
  }
  if (typeof view.version !== 'number' || !Number.isInteger(view.version)) {
    throw new TypeError(`viewBundle: argument 'view.version' was ${inspectValue(view.version)}; expected an integer`);
  }
  const mime = `application/vnd.quantscope.${kind}+json`;
  const problem = jsonProblem(view, 'view');
  if (problem !== null) throw new TypeError(`viewBundle: ${problem}`);
  return withFallbacks(text === undefined ? { [mime]: view } : { [mime]: view, 'text/plain': text });
}

export { escapeHtml };

export function inspectValue(value: unknown): string {
  return util.inspect(value, { depth: 4, colors: false, maxArrayLength: 100, breakLength: 100 });
}

function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || mime.endsWith('+json');
}

function viewText(mime: string, view: Json): string {
  const kind = VIEW_MIME.exec(mime)?.[1] ?? 'view';
  const json = JSON.stringify(view, null, 2);
  return `quantscope ${kind} view (install the quantscope JupyterLab extension to see it drawn)\n${json.length > 4000 ? `${json.slice(0, 4000)}\n...` : json}`;
}

/** Why `value` is not JSON (a path and the problem), or null when it is. */
function jsonProblem(value: unknown, where: string, seen: Set<object> = new Set()): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${where} was ${value}; expected a finite number (JSON has no NaN or Infinity)`;
  if (typeof value !== 'object') return `${where} was ${inspectValue(value)}; expected a JSON value`;
  if (seen.has(value)) return `${where} is a circular reference; expected a JSON tree`;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], `${where}[${i}]`, seen);
      if (p !== null) return p;
    }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${where} was a ${describe(value)}; expected a plain object`;
    for (const [k, v] of Object.entries(value)) {
      const p = jsonProblem(v, `${where}.${k}`, seen);
      if (p !== null) return p;
    }
  }
  seen.delete(value);
  return null;
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}
