import {
  ERROR_SOURCES, VIEW_KINDS, VIEW_VERSION, type CalibrationEvaluation, type LayerwiseEvaluation, type View, type ViewKind,
  type ViewRange,
} from './types';

/** The outcome of validating a payload: the typed value, or an error naming the field path. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * Validates a view payload as it arrives in a MIME bundle: a JSON object or its JSON text (tslab may stringify).
 * Checks the version, the kind (and that it is `expectedKind` when given), every field's type, that numbers are
 * finite, that histogram edges are one more than the counts and increasing, that per-channel arrays have one entry
 * per channel, and that counts, errors and sizes are not negative and accuracies lie in [0, 1]. Fields the contract
 * does not name are ignored (a newer library may add some). The error names the view kind and the field path:
 * `layerwise view: layers[3].rmse was "x"; expected a finite number`. Never throws.
 */
export function parseView(payload: unknown, expectedKind?: ViewKind): { ok: true; view: View } | { ok: false; error: string } {
  const label = (root: unknown) => `${expectedKind ?? kindOf(root) ?? 'quantscope'} view`;
  const parsed = run(label, payload, (root) => {
    const kind = field(root, 'kind', (v, p) => {
      if (expectedKind !== undefined && v !== expectedKind) reject(p, v, JSON.stringify(expectedKind));
      return oneOf(VIEW_KINDS)(v, p);
    });
    field(root, 'version', (v, p) => (v === VIEW_VERSION ? v : reject(p, v, `${VIEW_VERSION} (this extension reads version ${VIEW_VERSION} views)`)));
    field(root, 'id', str);
    field(root, 'title', str);
    field(root, 'actions', list(str));
    CHECKERS[kind](root);
    return root as unknown as View;
  });
  return parsed.ok ? { ok: true, view: parsed.value } : parsed;
}

function kindOf(root: unknown): ViewKind | undefined {
  const kind = typeof root === 'object' && root !== null ? (root as JsonRecord).kind : undefined;
  return VIEW_KINDS.find((k) => k === kind);
}

/** Validates the reply to `set-precision` on a layerwise view. */
export function parseLayerwiseEvaluation(payload: unknown): Parsed<LayerwiseEvaluation> {
  return run('set-precision reply', payload, (o) => {
    field(o, 'accuracy', fraction);
    field(o, 'delta', finite);
    field(o, 'floatLayers', list(str));
    return o as unknown as LayerwiseEvaluation;
  });
}

/** Validates the reply to `evaluate` on a calibration view. */
export function parseCalibrationEvaluation(payload: unknown): Parsed<CalibrationEvaluation> {
  return run('evaluate reply', payload, (o) => {
    field(o, 'range', range);
    field(o, 'accuracy', fraction);
    field(o, 'delta', finite);
    return o as unknown as CalibrationEvaluation;
  });
}

/** Validates the reply to `apply` on a calibration view: `{ applied: ViewRange }`. */
export function parseAppliedRange(payload: unknown): Parsed<ViewRange> {
  return run('apply reply', payload, (o) => field(o, 'applied', range));
}

/** A comm reply `{ ok, result | error, request_id? }`. */
export interface CommReply {
  readonly requestId: string | number | null;
  readonly reply: { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };
}

/** Validates a message from the kernel's `quantscope` comm target. */
export function parseCommReply(payload: unknown): Parsed<CommReply> {
  return run('quantscope comm reply', payload, (o) => {
    const requestId = o.request_id === undefined ? null : field(o, 'request_id', (v, p) =>
      (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? v : reject(p, v, 'a string or a number')));
    const ok = field(o, 'ok', bool);
    return { requestId, reply: ok ? { ok, result: o.result ?? null } : { ok, error: field(o, 'error', str) } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// the checkers of each kind

type JsonRecord = Readonly<Record<string, unknown>>;

const CHECKERS: Readonly<Record<ViewKind, (o: JsonRecord) => void>> = {
  layerwise(o) {
    field(o, 'model', str);
    field(o, 'samples', count);
    field(o, 'threshold', nonNegative);
    field(o, 'layers', list((v, p) => {
      const row = record(v, p);
      field(row, 'name', str, p);
      field(row, 'op', str, p);
      field(row, 'precision', oneOf(['int8', 'int16', 'fp16', 'float']), p);
      field(row, 'floatRange', nullable(range), p);
      field(row, 'quantRange', nullable(range), p);
      field(row, 'scale', nullable(positive), p);
      field(row, 'rmse', nonNegative, p);
      field(row, 'rmseOverScale', nullable(nonNegative), p);
      field(row, 'sqnrDb', nullable(finite), p);
      field(row, 'accumulatedRmse', nonNegative, p);
      field(row, 'accumulatedSqnrDb', nullable(finite), p);
    }));
    field(o, 'floatAccuracy', nullable(fraction));
    field(o, 'quantAccuracy', nullable(fraction));
  },
  distribution(o) {
    field(o, 'tensor', str);
    const bins = histogramEdges(o);
    field(o, 'floatCounts', sized(bins, 'one per bin', list(nonNegative)));
    field(o, 'quantCounts', sized(bins, 'one per bin', list(nonNegative)));
    field(o, 'clip', nullable(range));
    field(o, 'scale', nullable(positive));
    field(o, 'zeroPoint', nullable(integer));
    field(o, 'bits', nullable(bitsOf));
  },
  calibration(o) {
    field(o, 'tensor', str);
    const bins = histogramEdges(o);
    const counts = field(o, 'counts', sized(bins, 'one per bin', list(nonNegative)));
    if (!counts.some((c) => c > 0)) reject('counts', counts, 'at least one positive count (an empty histogram has no range)');
    field(o, 'bits', bitsOf);
    field(o, 'symmetric', bool);
    field(o, 'methods', list((v, p) => {
      range(v, p);
      field(record(v, p), 'method', str, p);
    }));
    field(o, 'current', range);
    field(o, 'percentile', (v, p) => (typeof v === 'number' && v > 0 && v <= 100 ? v : reject(p, v, 'a number in (0, 100]')));
  },
  equalization(o) {
    field(o, 'model', str);
    field(o, 'pairs', list((v, p) => {
      const pair = record(v, p);
      const channels = field(pair, 'scales', list(positive), p).length;
      for (const side of ['first', 'second']) {
        const ranges = field(pair, side, record, p);
        const at = `${p}.${side}`;
        field(ranges, 'layer', str, at);
        field(ranges, 'before', sized(channels, 'one per channel (as many as scales)', list(nonNegative)), at);
        field(ranges, 'after', sized(channels, 'one per channel (as many as scales)', list(nonNegative)), at);
      }
    }));
    field(o, 'skipped', list((v, p) => {
      const skipped = record(v, p);
      for (const key of ['first', 'second', 'reason']) field(skipped, key, str, p);
    }));
    field(o, 'accuracyBefore', nullable(fraction));
    field(o, 'accuracyAfter', nullable(fraction));
  },
  schemes(o) {
    field(o, 'model', str);
    field(o, 'samples', count);
    field(o, 'rows', list((v, p) => {
      const row = record(v, p);
      field(row, 'scheme', str, p);
      field(row, 'accuracy', fraction, p);
      field(row, 'delta', finite, p);
      field(row, 'modelBytes', count, p);
      field(row, 'layersInFloat', count, p);
    }));
  },
  progress(o) {
    const total = field(o, 'total', nonNegative);
    field(o, 'done', (v, p) => (typeof v === 'number' && v >= 0 && v <= total ? v : reject(p, v, `a number in [0, total = ${total}]`)));
    field(o, 'label', str);
  },
  'error-budget'(o) {
    field(o, 'model', str);
    field(o, 'samples', count);
    field(o, 'profile', str);
    field(o, 'rows', list((v, p) => {
      const row = record(v, p);
      field(row, 'layer', str, p);
      field(row, 'op', str, p);
      field(row, 'total', nonNegative, p);
      const parts = field(row, 'parts', record, p);
      for (const source of ERROR_SOURCES) field(parts, source, nonNegative, `${p}.parts`);
      field(row, 'precision', oneOf(['int8', 'int16'] as const), p);
      field(row, 'interaction', finite, p);
      for (const side of ['input', 'output']) {
        const split = field(row, side, record, p);
        field(split, 'clipping', nonNegative, `${p}.${side}`);
        field(split, 'rounding', nonNegative, `${p}.${side}`);
        field(split, 'clippedFraction', (v, q) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : reject(q, v, 'a fraction in [0, 1]')), `${p}.${side}`);
      }
      const acc = field(row, 'accumulator', record, p);
      field(acc, 'bits', count, `${p}.accumulator`);
      field(acc, 'overflows', count, `${p}.accumulator`);
      field(acc, 'outputs', count, `${p}.accumulator`);
      field(row, 'dominant', nullable(oneOf(ERROR_SOURCES)), p);
      field(row, 'recommendation', str, p);
      field(row, 'changes', list((c, q) => {
        const change = record(c, q);
        field(change, 'change', str, q);
        field(change, 'before', nonNegative, q);
        field(change, 'after', nullable(nonNegative), q);
      }), p);
    }));
  },
};

/** Checks `edges` (at least 2, finite, strictly increasing) and returns the number of bins. */
function histogramEdges(o: JsonRecord): number {
  const edges = field(o, 'edges', list(finite));
  if (edges.length < 2) reject('edges', edges, 'at least 2 edges (one bin)');
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) reject(`edges[${i}]`, edges[i], `a number above edges[${i - 1}] = ${edges[i - 1]} (edges increase)`);
  }
  return edges.length - 1;
}

// ---------------------------------------------------------------------------------------------------------------
// field checkers: each returns the value typed or throws a Rejection naming the path

/** Thrown inside a checker and turned into the error string by `run`; never escapes this module. */
class Rejection {
  constructor(readonly message: string) {}
}

type Check<T> = (value: unknown, path: string) => T;

/** Parses JSON text, then runs `body` on the object; `what` names the payload in the error (from the value). */
function run<T>(what: string | ((value: unknown) => string), payload: unknown, body: (root: JsonRecord) => T): Parsed<T> {
  let value = payload;
  const name = () => (typeof what === 'string' ? what : what(value));
  if (typeof payload === 'string') {
    try {
      value = JSON.parse(payload);
    } catch (err) {
      return { ok: false, error: `${name()}: the payload is not valid JSON (${(err as Error).message})` };
    }
  }
  try {
    return { ok: true, value: body(record(value, '')) };
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, error: `${name()}: ${err.message}` };
    throw err;
  }
}

function reject(path: string, value: unknown, expected: string): never {
  throw new Rejection(`${path === '' ? 'the payload' : path} was ${describe(value)}; expected ${expected}`);
}

/** Reads o[key] under the path `parent.key` and checks it. */
function field<T>(o: JsonRecord, key: string, check: Check<T>, parent = ''): T {
  return check(o[key], parent === '' ? key : `${parent}.${key}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}

const record: Check<JsonRecord> = (v, p) =>
  (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonRecord) : reject(p, v, 'an object'));
const str: Check<string> = (v, p) => (typeof v === 'string' ? v : reject(p, v, 'a string'));
const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : reject(p, v, 'true or false'));
const finite: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : reject(p, v, 'a finite number'));
const nonNegative: Check<number> = (v, p) => (typeof v === 'number' && v >= 0 && v < Infinity ? v : reject(p, v, 'a finite number >= 0'));
const positive: Check<number> = (v, p) => (typeof v === 'number' && v > 0 && v < Infinity ? v : reject(p, v, 'a finite number > 0'));
const fraction: Check<number> = (v, p) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : reject(p, v, 'an accuracy in [0, 1]'));
const integer: Check<number> = (v, p) => (Number.isInteger(v) ? (v as number) : reject(p, v, 'an integer'));
const count: Check<number> = (v, p) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : reject(p, v, 'an integer >= 0'));
const bitsOf: Check<number> = (v, p) => (Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 16 ? (v as number) : reject(p, v, 'an integer in 2..16'));

const range: Check<ViewRange> = (v, p) => {
  const o = record(v, p);
  const min = field(o, 'min', finite, p);
  const max = field(o, 'max', finite, p);
  if (!(min <= max)) reject(`${p}.max`, max, `a number >= min = ${min}`);
  return { min, max };
};

function oneOf<T extends string>(allowed: readonly T[]): Check<T> {
  return (v, p) => (allowed.includes(v as T) ? (v as T) : reject(p, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`));
}

function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, p) => (v === null ? null : check(v, p));
}

function list<T>(item: Check<T>): Check<T[]> {
  return (v, p) => (Array.isArray(v) ? v.map((x, i) => item(x, `${p}[${i}]`)) : reject(p, v, 'an array'));
}

function sized<T>(length: number, why: string, check: Check<readonly T[]>): Check<readonly T[]> {
  return (v, p) => {
    const items = check(v, p);
    return items.length === length ? items : reject(p, v, `${length} entries, ${why}`);
  };
}
