import * as path from 'node:path';

/** Where the prelude's imports live: absolute paths, so they resolve from whatever folder the kernel starts in. */
export interface PreludePaths {
  /** build/src/index (the library's public API). */
  readonly library: string;
  /** @tensorflow/tfjs-core's entry. */
  readonly tfjsCore: string;
  /** build/kernel/cell_api (types of the cell helpers; it references @types/node from the kernel's node_modules). */
  readonly cellApi: string;
}

/** The names the prelude binds at run time (after it has run: its `declare const`s would reset them). */
export const PRELUDE_RUNTIME_NAMES = ['display', 'progress', 'clearOutput', 'kernel', 'backend'] as const;

/** Resolves the prelude's paths from this installation. */
export function preludePaths(): PreludePaths {
  const strip = (file: string): string => file.replace(/(\.d)?\.[cm]?[jt]s$/, '');
  return {
    library: strip(require.resolve('../src/index')),
    tfjsCore: path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')),
    cellApi: strip(require.resolve('./cell_api')),
  };
}

/**
 * The first cell the kernel runs. `q` and `tf` are real imports, so cells get the library's types; the helpers are
 * declared from cell_api's types and defined by the kernel afterwards. Importing cell_api also brings in
 * `/// <reference types="node" />` resolved next to the kernel, so `console`, `process` and `Buffer` type-check in a
 * notebook folder with no node_modules.
 */
export function preludeSource(paths: PreludePaths): string {
  const json = (p: string): string => JSON.stringify(p.split(path.sep).join('/'));
  return [
    `import * as q from ${json(paths.library)};`,
    `import * as tf from ${json(paths.tfjsCore)};`,
    `import type * as QuantscopeCellTypes from ${json(paths.cellApi)};`,
    'declare const display: QuantscopeCellTypes.CellApi["display"];',
    'declare const progress: QuantscopeCellTypes.CellApi["progress"];',
    'declare const clearOutput: QuantscopeCellTypes.CellApi["clearOutput"];',
    'declare const kernel: QuantscopeCellTypes.KernelApi;',
    '/** The TensorFlow.js backend the kernel started; `q.describeBackend(backend)` says which and why. */',
    'declare const backend: q.BackendInfo;',
  ].join('\n');
}
