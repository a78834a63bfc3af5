import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file so that readers see either the old content or the whole new one, never half of it: the data goes
 * to a temporary file in the same folder, is flushed to disk, and is renamed over the target.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new Error(`writeFileAtomic: folder ${dir} does not exist`);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.tmp`);
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, target);
}
