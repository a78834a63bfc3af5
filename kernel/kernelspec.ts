import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { drawLogo } from './logo';
import { encodePng } from './png';

export const KERNEL_NAME = 'quantscope';

/** kernel.json of this installation: node (this very binary) running build/kernel/main.js. */
export function kernelSpec(mainScript = path.join(__dirname, 'main.js')): Record<string, unknown> {
  return {
    argv: [process.execPath, mainScript, '--connection-file', '{connection_file}'],
    display_name: 'TypeScript (Quantscope)',
    language: 'typescript',
    // SIGINT is the only interrupt that can stop a synchronous loop (vm's breakOnSigint); interrupt_request is
    // also answered, for awaiting cells.
    interrupt_mode: 'signal',
    env: {},
    metadata: { quantscope: { kernel: mainScript } },
  };
}

/**
 * The user's Jupyter data folder, as jupyter_core finds it: $JUPYTER_DATA_DIR, else on Linux
 * $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter, on macOS ~/Library/Jupyter, on Windows %APPDATA%\jupyter.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME ? env.XDG_DATA_HOME : path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

/**
 * Writes the kernelspec folder (kernel.json, logo-32x32.png, logo-64x64.png) to `<dataDir>/kernels/quantscope`.
 * The files are written to a temporary sibling first and renamed into place, so Jupyter never reads a half-written
 * spec; an existing spec is replaced. Returns the folder.
 */
export function installKernelSpec(dataDir: string, spec = kernelSpec()): string {
  const kernels = path.join(dataDir, 'kernels');
  fs.mkdirSync(kernels, { recursive: true });
  const target = path.join(kernels, KERNEL_NAME);
  const staging = fs.mkdtempSync(path.join(kernels, `.${KERNEL_NAME}-install-`));
  try {
    fs.writeFileSync(path.join(staging, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
    for (const size of [32, 64]) fs.writeFileSync(path.join(staging, `logo-${size}x${size}.png`), encodePng(size, size, drawLogo(size)));
    fs.chmodSync(staging, 0o755);
    let old: string | null = null;
    if (fs.existsSync(target)) {
      old = `${staging}-old`;
      fs.renameSync(target, old);
    }
    fs.renameSync(staging, target);
    if (old !== null) fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return target;
}

/** Removes `<dataDir>/kernels/quantscope`; returns the folder removed, or null when there was none. */
export function uninstallKernelSpec(dataDir: string): string | null {
  const target = path.join(dataDir, 'kernels', KERNEL_NAME);
  if (!fs.existsSync(target)) return null;
  fs.rmSync(target, { recursive: true, force: true });
  return target;
}
