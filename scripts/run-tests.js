// Builds the TypeScript and the WebAssembly kernels, runs every compiled test file under node's test runner, then
// the kernel's tests with real Jupyter clients (Python) and the browser tests, and prints one closing line "total: N passed, N failed".
// Exits non-zero when anything fails. Arguments filter the node test files by path; 'kernel', 'notebooks' and
// 'browser' select those suites too (every suite runs when no filter is given).
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [path.join(__dirname, 'build-wasm.js')], { cwd: root, stdio: 'inherit' });

const SUITES = [
  ['kernel', 'test/kernel/run_kernel_tests.sh'],
  ['notebooks', 'test/notebooks/run_notebook_tests.sh'],
  ['browser', 'test/browser/run_browser_tests.sh'],
].filter(([, script]) => fs.existsSync(path.join(root, script)));

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

/** Runs a command, echoing its output, and returns its exit status and what it printed. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => { process.stdout.write(chunk); output += chunk; });
    child.on('close', (status) => resolve({ status: status === null ? 1 : status, output }));
  });
}

function lastNumber(output, pattern) {
  const matches = [...output.matchAll(pattern)];
  return matches.length === 0 ? null : Number(matches[matches.length - 1][1]);
}

async function main() {
  const only = process.argv.slice(2);
  const files = testFiles(path.join(root, 'build', 'test')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
  let passed = 0;
  let failed = 0;
  let status = 0;
  if (files.length > 0) {
    const node = await run(process.execPath, ['--test', ...files]);
    const p = lastNumber(node.output, /^# pass (\d+)$/gm);
    const f = lastNumber(node.output, /^# fail (\d+)$/gm);
    if (p === null || f === null) { console.error('run-tests: could not read the node test summary'); status = 1; }
    passed += p ?? 0;
    failed += f ?? 0;
    status ||= node.status;
  }
  // Suites outside node:test, each printing "N passed, N failed": the kernel with real Jupyter clients, the
  // tutorial notebooks, and the real-browser tests of the lab and extension.
  for (const [name, script] of SUITES) {
    if (!(only.length === 0 || only.includes(name))) continue;
    const suite = await run('bash', [path.join(root, script)]);
    const match = [...suite.output.matchAll(/^(\d+) passed, (\d+) failed/gm)].pop();
    if (!match) { console.error(`run-tests: the ${name} tests printed no summary`); status = 1; }
    passed += match ? Number(match[1]) : 0;
    failed += match ? Number(match[2]) : 0;
    status ||= suite.status;
  }
  if (files.length === 0 && !(only.length === 0 || SUITES.some(([n]) => only.includes(n)))) {
    console.error('run-tests: no test files matched');
    status = 1;
  }
  console.log(`total: ${passed} passed, ${failed} failed`);
  process.exit(status || (failed > 0 ? 1 : 0));
}

main();
