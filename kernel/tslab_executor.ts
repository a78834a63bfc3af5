import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { expandShorthandProperties } from './shorthand_properties';
import { createConverter, type Converter, type Diagnostic, type SideOutput } from 'tslab/dist/converter';
import { printQuickInfo } from 'tslab/dist/inspect';
import { getCodeMetadata } from 'tslab/dist/metadata';
import type { CellExecutor, CompileDiagnostic, ExecutionOutcome } from './cell_executor';
import { InterruptedError, isSigintBreak } from './interrupted_error';
import { checkCompleteness } from './is_complete';

export interface TslabExecutorOptions {
  /** Where relative imports and `require` resolve from: the notebook's folder. */
  readonly rootDir: string;
  /** The `console` cells see; the kernel routes it to the running request's outputs. */
  readonly console: Console;
}

// The one global the executor touches, and only for the duration of a synchronous call: vm's breakOnSigint (the only
// way to stop a synchronous loop) applies to code run *inside* runInThisContext, so the cell's arguments must be
// reachable from the script's own source.
const HANDOFF = 'quantscope.kernel.cellArguments';

/**
 * A CellExecutor on tslab's TypeScript converter (type-checking, transpiling, completion, inspection). It replaces
 * tslab's own executor, which prints the last value and errors to the process console: this one returns them as
 * outcomes so the kernel can send execute_result and error messages, and hands cells a `console` of the kernel's
 * choosing instead of patching process.stdout.
 *
 * Creating it takes about two seconds (TypeScript loads the lib and @types/node declarations).
 */
export function createTslabExecutor(options: TslabExecutorOptions): CellExecutor {
  const converter: Converter = createConverter({ isJS: false, isBrowser: false });
  const locals: Record<string, unknown> = {};
  const sideOutputs = new Map<string, string>();
  const sideModules = new Map<string, Module>();
  const cellRequire = wrapRequire(Module.createRequire(path.join(options.rootDir, 'src.js')), options.rootDir, sideOutputs, sideModules);
  // tslab's transpiled cells declare their bindings with Object.defineProperty(exports, ...); a proxy turns that into
  // plain assignment so a later cell can redefine a name.
  const exportsProxy = new Proxy(locals, {
    defineProperty(target, prop, attrs) {
      if (prop !== '__esModule') Reflect.set(target, prop, attrs.get ? attrs.get() : attrs.value);
      return true;
    },
  });
  let prevDecl = '';
  let abortRunning: (() => void) | null = null;

  async function execute(code: string, cellName: string): Promise<ExecutionOutcome> {
    const meta = getCodeMetadata(code);
    if (meta.mode === 'browser') {
      return { kind: 'exception', error: new Error('execute: cells marked @browser are not supported by the quantscope kernel') };
    }
    if (meta.module !== undefined) {
      const diagnostics = converter.addModule(meta.module, code, meta).map(toDiagnostic);
      return diagnostics.length > 0 ? { kind: 'compile-error', diagnostics } : { kind: 'ok', hasValue: false };
    }
    const converted = converter.convert(prevDecl, expandShorthandProperties(code));
    for (const out of converted.sideOutputs ?? []) updateSideOutput(out);
    if (converted.diagnostics.length > 0) return { kind: 'compile-error', diagnostics: converted.diagnostics.map(toDiagnostic) };
    if (!converted.output) {
      prevDecl = converted.declOutput ?? '';
      return { kind: 'ok', hasValue: false };
    }
    const prefix = converted.hasToplevelAwait ? 'async function(exports, require, console) { ' : 'function(exports, require, console) { ';
    const source = `(${prefix}${converted.output}\n}).apply(undefined, globalThis[Symbol.for(${JSON.stringify(HANDOFF)})])`;
    const handoff = Symbol.for(HANDOFF);
    const global = globalThis as unknown as Record<symbol, unknown>;
    let returned: unknown;
    try {
      global[handoff] = [exportsProxy, cellRequire, options.console];
      returned = vm.runInThisContext(source, { filename: cellName, breakOnSigint: true });
    } catch (err) {
      return failure(err);
    } finally {
      delete global[handoff];
    }
    if (converted.hasToplevelAwait) {
      const interrupted = new Promise<'interrupted'>((resolve) => (abortRunning = () => resolve('interrupted')));
      try {
        if ((await Promise.race([returned as Promise<unknown>, interrupted])) === 'interrupted') return { kind: 'interrupted' };
      } catch (err) {
        return failure(err);
      } finally {
        abortRunning = null;
      }
    }
    prevDecl = converted.declOutput ?? '';
    const name = converted.lastExpressionVar;
    if (name === undefined || !(name in locals)) return { kind: 'ok', hasValue: false };
    const value = locals[name];
    delete locals[name];
    return value === undefined ? { kind: 'ok', hasValue: false } : { kind: 'ok', hasValue: true, value };
  }

  function updateSideOutput(out: SideOutput): void {
    sideModules.delete(out.path);
    sideOutputs.set(out.path, out.data);
  }

  return {
    execute,
    complete(code, cursor) {
      const info = converter.complete(prevDecl, code, cursor);
      return { matches: info.candidates, cursorStart: info.start, cursorEnd: info.end };
    },
    inspect(code, cursor) {
      const info = converter.inspect(prevDecl, code, cursor);
      if (!info) return null;
      const text = printQuickInfo(info);
      return text === '' ? null : text;
    },
    isComplete: checkCompleteness,
    define(name, value) {
      locals[name] = value;
    },
    interrupt() {
      abortRunning?.();
    },
    close() {
      converter.close();
    },
  };
}

function failure(err: unknown): ExecutionOutcome {
  return isSigintBreak(err) || err instanceof InterruptedError ? { kind: 'interrupted' } : { kind: 'exception', error: err };
}

function toDiagnostic(d: Diagnostic): CompileDiagnostic {
  return { line: d.start.line + 1, column: d.start.character + 1, message: d.messageText, code: d.code, ...(d.fileName ? { file: d.fileName } : {}) };
}

/**
 * `require` for cells: resolves from the notebook's folder, and serves the TypeScript files a cell imports from that
 * folder (compiled by the converter as "side outputs") as modules. Mirrors tslab's wrapRequire.
 */
function wrapRequire(req: NodeJS.Require, dirname: string, sideOutputs: Map<string, string>, sideModules: Map<string, Module>): NodeJS.Require {
  const fromSideOutputs = (id: string): unknown => {
    let filename = path.resolve(dirname, id);
    if (path.extname(filename) === '') filename += '.js';
    const cached = sideModules.get(filename);
    if (cached) return cached.exports;
    const source = sideOutputs.get(filename);
    if (source === undefined) return undefined;
    const mod = new Module(filename, module);
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
    mod.require = wrapRequire(Module.createRequire(filename), path.dirname(filename), sideOutputs, sideModules);
    (mod as unknown as { _compile(code: string, file: string): void })._compile(source, filename);
    sideModules.set(filename, mod);
    return mod.exports;
  };
  return new Proxy(req, {
    apply(target, thisArg, args: unknown[]) {
      if (args.length === 1 && typeof args[0] === 'string' && (args[0].startsWith('./') || args[0].startsWith('../'))) {
        const mod = fromSideOutputs(args[0]);
        if (mod !== undefined) return mod;
      }
      return Reflect.apply(target, thisArg, args);
    },
  });
}
