// What the browser tests and the lab benchmarks (bench/lab/) share: starting lab/serve.py on a free port in a scratch
// Jupyter environment, launching Debian's Chromium through playwright-core, and the DOM markers that say the
// application and a notebook are ready, and opening and running a notebook.
'use strict';
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');
const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(repo, 'lab')] }));

/** Flags for a headless Chromium that runs as root and talks to nothing but the local server. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** Selectors of the states the tests and the benchmark wait for. */
const SELECTORS = {
  shell: '#main.jp-LabShell',
  /** The first cell's editor accepts typing: the notebook is usable. */
  firstCellEditable: '.jp-NotebookPanel .jp-Notebook .jp-Cell:first-child .cm-content[contenteditable="true"]',
  /**
   * A code cell's editor is shown and accepts typing. (A rendered markdown cell hides its editor, so a notebook that
   * starts with markdown matches firstCellEditable only while that cell is still unrendered.)
   */
  codeCellEditable: '.jp-NotebookPanel .jp-Notebook .jp-CodeCell .cm-content[contenteditable="true"]',
  kernelIdle: '.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]',
  kernelName: '.jp-NotebookPanel .jp-Toolbar-kernelName',
};

/**
 * Waits until the open notebook's kernel is `displayName` and idle. (The indicator also reads idle while the
 * notebook has no kernel yet, so the name is part of the condition.)
 */
function waitForKernelIdle(page, displayName, timeout) {
  return page.waitForFunction(
    ({ selectors, name }) => document.querySelector(selectors.kernelName)?.textContent.trim() === name
      && document.querySelector(selectors.kernelIdle) !== null,
    { selectors: SELECTORS, name: displayName },
    { timeout },
  );
}

/** Clicks through the menu bar: the top menu, then (hovering submenus) down to the last label. */
async function chooseMenu(page, labels) {
  const exactly = (label) => new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const [top, ...items] = labels;
  await page.locator('.lm-MenuBar-item').filter({ has: page.locator('.lm-MenuBar-itemLabel', { hasText: exactly(top) }) }).click();
  for (const [i, label] of items.entries()) {
    const item = page.locator('.lm-Menu .lm-Menu-item').filter({ has: page.locator('.lm-Menu-itemLabel', { hasText: exactly(label) }) });
    if (i < items.length - 1) await item.hover();
    else await item.click();
  }
}

/**
 * Opens `notebook` in JupyterLab as the only tab (`reset` drops the saved layout, which would reopen the notebooks
 * of an earlier visit) and waits until a code cell is editable and the kernel `kernelName` is idle.
 */
async function openNotebook(page, lab, notebook, kernelName) {
  await page.goto(`${lab.notebookUrl(notebook)}&reset`);
  await page.waitForSelector(SELECTORS.codeCellEditable, { timeout: 120000 });
  // The kernel loads tfjs and the library before it answers: seconds, more on a loaded machine.
  await waitForKernelIdle(page, kernelName, 90000);
}

/** Run > Run All Cells, then waits until every code cell is numbered and the kernel idle again; returns the prompts. */
async function runAllCells(page, timeout) {
  await chooseMenu(page, ['Run', 'Run All Cells']);
  const codeCells = await page.locator('.jp-NotebookPanel .jp-CodeCell').count();
  await page.waitForFunction(
    ({ count, idle }) => {
      const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')].map((p) => p.textContent.trim());
      return document.querySelector(idle) !== null && prompts.length === count && prompts.every((p) => /^\[\d+\]:$/.test(p));
    },
    { count: codeCells, idle: SELECTORS.kernelIdle },
    { timeout },
  );
  // textContent: cells scrolled out of view are not rendered (content-visibility), so they have no innerText.
  return (await page.locator('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt').allTextContents()).map((p) => p.trim());
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, token, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`lab/serve.py exited with status ${child.exitCode} before it answered`);
    try {
      const response = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`lab/serve.py did not answer on ${url} within ${deadlineMs} ms`);
}

/**
 * Starts a Jupyter server (`args(port)`, run with /usr/bin/python3) on a free port with a fresh token. Jupyter's
 * config, data, runtime, lab settings and workspaces go to a scratch folder, so a run neither reads nor changes the
 * user's (and JupyterLab always starts on its default light theme); JUPYTER_PATH is the repository's
 * build/jupyter/share/jupyter, where lab/prepare.sh installed the kernel and the extension. Output goes to `logFile`.
 */
async function startServer({ args, logFile }) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'quantscope-jupyter-'));
  const token = crypto.randomBytes(16).toString('hex');
  const port = await freePort();
  const env = {
    ...process.env,
    JUPYTER_TOKEN: token,
    JUPYTER_PATH: path.join(repo, 'build', 'jupyter', 'share', 'jupyter'),
    JUPYTER_CONFIG_DIR: path.join(scratch, 'config'),
    JUPYTER_DATA_DIR: path.join(scratch, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(scratch, 'runtime'),
    JUPYTERLAB_SETTINGS_DIR: path.join(scratch, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(scratch, 'workspaces'),
  };
  const log = fs.openSync(logFile, 'a');
  const child = spawn('/usr/bin/python3', args(port), { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitForServer(url, token, child, 30000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    token,
    /** Shuts down every kernel the server runs (through its REST API, as the Running panel does). */
    async shutdownKernels() {
      const headers = { Authorization: `token ${token}` };
      const kernels = await (await fetch(`${url}/api/kernels`, { headers })).json();
      await Promise.all(kernels.map(({ id }) => fetch(`${url}/api/kernels/${id}`, { method: 'DELETE', headers })));
    },
    /** SIGTERM, as Ctrl-C would: the server shuts its kernels down and exits; SIGKILL after 20 s. */
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** lab/serve.py, the server `npm start` runs, with `root` as its notebook folder. */
async function startLab({ root, logFile }) {
  const server = await startServer({
    args: (port) => [path.join(repo, 'lab', 'serve.py'), root, `--port=${port}`, '--ServerApp.port_retries=0'],
    logFile,
  });
  return {
    ...server,
    /** The address that opens a notebook (a path under `root`) in JupyterLab, authenticated. */
    notebookUrl: (notebook) => `${server.url}/lab/tree/${encodePath(notebook)}?token=${server.token}`,
  };
}

function encodePath(notebook) {
  return notebook.split('/').map(encodeURIComponent).join('/');
}

/** A headless Chromium with a fresh profile; close() also removes the profile. */
async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'quantscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The median of `values` (the benchmarks' summary of their samples). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

module.exports = { SELECTORS, chooseMenu, encodePath, launchBrowser, median, openNotebook, repo, runAllCells, startLab, startServer, waitForKernelIdle };
