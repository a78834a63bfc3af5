#!/usr/bin/env node
/**
 * Installs or removes the "TypeScript (Quantscope)" kernelspec. No Python or IPython is involved.
 *
 *   node build/kernel/install.js [install] [--user | --prefix DIR | --data-dir DIR]
 *   node build/kernel/install.js uninstall [--user | --prefix DIR | --data-dir DIR]
 *
 * --user (the default) uses the user's Jupyter data folder ($JUPYTER_DATA_DIR when set); --prefix DIR uses
 * DIR/share/jupyter (as `jupyter kernelspec install --prefix`); --data-dir DIR uses DIR itself, e.g. an entry of
 * $JUPYTER_PATH.
 */
import * as path from 'node:path';
import { installKernelSpec, uninstallKernelSpec, userDataDir } from './kernelspec';

export function parseInstallArgs(argv: readonly string[]): { command: 'install' | 'uninstall'; dataDir: string } {
  let command: 'install' | 'uninstall' = 'install';
  let dataDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'install' || a === 'uninstall') command = a;
    else if (a === '--user') dataDir = userDataDir();
    else if (a === '--prefix' || a === '--data-dir') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`install: option ${a} needs a folder`);
      dataDir = a === '--prefix' ? path.resolve(value, 'share', 'jupyter') : path.resolve(value);
    } else throw new Error(`install: unknown argument ${JSON.stringify(a)}; expected install, uninstall, --user, --prefix DIR or --data-dir DIR`);
  }
  return { command, dataDir: dataDir ?? userDataDir() };
}

if (require.main === module) {
  try {
    const { command, dataDir } = parseInstallArgs(process.argv.slice(2));
    if (command === 'install') {
      console.log(`Installed the quantscope kernelspec in ${installKernelSpec(dataDir)}`);
    } else {
      const removed = uninstallKernelSpec(dataDir);
      console.log(removed === null ? `No quantscope kernelspec in ${path.join(dataDir, 'kernels')}` : `Removed ${removed}`);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
