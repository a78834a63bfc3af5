import type { Json, JsonObject } from './message';

interface Entry {
  readonly line: number;
  readonly input: string;
  output: string | null;
}

/** The session number this kernel reports; history is kept in memory for the current session only. */
export const HISTORY_SESSION = 1;

/**
 * In-memory input (and text/plain output) history of the session, answering history_request's three access types.
 * Entries are `[session, line, input]`, or `[session, line, [input, output]]` when output is asked for.
 */
export class History {
  private readonly entries: Entry[] = [];

  record(line: number, input: string): void {
    this.entries.push({ line, input, output: null });
  }

  recordOutput(line: number, output: string): void {
    const entry = this.entries.find((e) => e.line === line);
    if (entry) entry.output = output;
  }

  /** Answers a history_request's content; unknown access types and malformed fields give an empty history. */
  query(request: JsonObject): Json[] {
    const output = request.output === true;
    const n = typeof request.n === 'number' && request.n > 0 ? Math.floor(request.n) : undefined;
    let selected: Entry[];
    switch (request.hist_access_type) {
      case 'tail':
        selected = n === undefined ? this.entries.slice() : this.entries.slice(-n);
        break;
      case 'range': {
        // Session 0 (or a negative offset 0) means the current session, as in IPython.
        const session = typeof request.session === 'number' ? request.session : 0;
        if (session !== 0 && session !== HISTORY_SESSION) return [];
        const start = typeof request.start === 'number' ? request.start : 1;
        const stop = typeof request.stop === 'number' && request.stop > 0 ? request.stop : Infinity;
        selected = this.entries.filter((e) => e.line >= start && e.line < stop);
        break;
      }
      case 'search': {
        const pattern = globToRegExp(typeof request.pattern === 'string' ? request.pattern : '*');
        let matches = this.entries.filter((e) => pattern.test(e.input));
        if (request.unique === true) {
          const seen = new Set<string>();
          matches = matches.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input) !== undefined).reverse();
        }
        selected = n === undefined ? matches : matches.slice(-n);
        break;
      }
      default:
        return [];
    }
    return selected.map((e) => [HISTORY_SESSION, e.line, output ? [e.input, e.output] : e.input]);
  }
}

/** IPython's search pattern: a glob (`*`, `?`) matched against the whole input. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${body}$`);
}
