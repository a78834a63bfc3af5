/** House rule 1: the library in src/ knows nothing of Jupyter, the DOM or plotly, and never imports kernel/ or extension/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const forbidden = [/^@jupyterlab\//, /^@jupyter\//, /^@lumino\//, /plotly/, /^tslab/, /^zeromq/, /(^|\/)kernel\//, /(^|\/)extension\//];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('no module in src/ imports Jupyter, the DOM, plotly, the kernel or the extension', () => {
  const files = sources(path.join(root, 'src'));
  assert.ok(files.length > 10);
  const offences: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g)) {
      if (forbidden.some((re) => re.test(m[1]))) offences.push(`${path.relative(root, file)} imports ${m[1]}`);
    }
    if (/\b(document|window)\./.test(text)) offences.push(`${path.relative(root, file)} touches the DOM`);
  }
  assert.deepEqual(offences, []);
});
