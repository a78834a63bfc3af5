// JupyterLab in a real browser: the application `npm start` serves (lab/), the quantscope kernel and the Quantscope
// extension installed the way any JupyterLab 4 installs them. Run by run_browser_tests.sh, which prepares the build
// and a folder holding copies of the test notebooks (QUANTSCOPE_BROWSER_ROOT). Every wait is on a DOM state; the
// timeouts only bound a failure.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, test } = require('node:test');
const { SELECTORS, launchBrowser, repo, startLab, waitForKernelIdle } = require('./lab_session');

const root = process.env.QUANTSCOPE_BROWSER_ROOT;
const artifacts = process.env.QUANTSCOPE_BROWSER_ARTIFACTS ?? path.join(repo, 'test-artifacts', 'browser');
const VIEW_READY = '[data-quantscope-view="schemes"][data-quantscope-ready="true"]';

/**
 * Console errors that are not failures, each with its reason. Anything else logged as an error fails the run.
 * (None are needed at present: serve.py answers /api/me and /api/events/subscribe, and lab/settings/page_config.json
 * leaves out the plugins whose services this application does not bundle.)
 */
const KNOWN_NOISE = [];

let lab;
let browser;
let page;
const consoleErrors = [];

function isNoise(text) {
  return KNOWN_NOISE.some(({ pattern }) => pattern.test(text));
}

async function screenshot(name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/** A test body that leaves a screenshot of the page behind when it fails, named after the test. */
function showingFailures(body) {
  return async (t) => {
    try {
      await body(t);
    } catch (err) {
      await screenshot(`failed-${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => {});
      throw err;
    }
  };
}

/** Clicks through the menu bar: the top menu, then (hovering submenus) down to the last label. */
async function chooseMenu(labels) {
  const exactly = (label) => new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const [top, ...items] = labels;
  await page.locator('.lm-MenuBar-item').filter({ has: page.locator('.lm-MenuBar-itemLabel', { hasText: exactly(top) }) }).click();
  for (const [i, label] of items.entries()) {
    const item = page.locator('.lm-Menu .lm-Menu-item').filter({ has: page.locator('.lm-Menu-itemLabel', { hasText: exactly(label) }) });
    if (i < items.length - 1) await item.hover();
    else await item.click();
  }
}

/** The body's theme attributes and the colours a reader sees. */
function themeState() {
  return page.evaluate(() => {
    const notebook = document.querySelector('.jp-NotebookPanel .jp-Notebook');
    return {
      name: document.body.dataset.jpThemeName,
      light: document.body.dataset.jpThemeLight,
      layoutColor: getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim(),
      notebookBackground: getComputedStyle(notebook).backgroundColor,
    };
  });
}

/** Relative luminance (0 black .. 1 white) of a CSS rgb()/rgba() colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => Number(v) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

before(async () => {
  assert.ok(root && fs.existsSync(path.join(root, 'views.ipynb')), 'QUANTSCOPE_BROWSER_ROOT must hold the test notebooks (run run_browser_tests.sh)');
  fs.mkdirSync(artifacts, { recursive: true });
  lab = await startLab({ root, logFile: path.join(artifacts, 'server.log') });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
});

after(async () => {
  await browser?.close();
  await lab?.stop();
});

test('a notebook opens on the quantscope kernel, its first cell editable and the kernel idle', showingFailures(async () => {
  await page.goto(lab.notebookUrl('views.ipynb'));
  await page.waitForSelector(SELECTORS.firstCellEditable, { timeout: 120000 });
  // The kernel loads tfjs and the library before it answers: seconds, more on a loaded machine.
  await waitForKernelIdle(page, 'TypeScript (Quantscope)', 90000);
}));

test('Run All Cells from the Run menu numbers every code cell and shows the printed text and the result', showingFailures(async () => {
  await chooseMenu(['Run', 'Run All Cells']);
  const codeCells = await page.locator('.jp-NotebookPanel .jp-CodeCell').count();
  // Every code cell numbered and the kernel idle again: the run is over.
  await page.waitForFunction(
    (count) => {
      const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')].map((p) => p.textContent.trim());
      const idle = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]');
      return idle !== null && prompts.length === count && prompts.every((p) => /^\[\d+\]:$/.test(p));
    },
    codeCells,
    { timeout: 90000 },
  );
  const prompts = await page.locator('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt').allInnerTexts();
  assert.deepEqual(prompts.map((p) => p.trim()), ['[1]:', '[2]:', '[3]:']);
  const outputs = await page.locator('.jp-NotebookPanel .jp-OutputArea-output').allInnerTexts();
  assert.ok(outputs.some((text) => text.includes('quantscope prints 42')), `no printed line among outputs ${JSON.stringify(outputs)}`);
  assert.ok(outputs.some((text) => text.includes('layers: 42')), `no result among outputs ${JSON.stringify(outputs)}`);
  assert.equal(await page.locator('.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count(), 0);
  await screenshot('notebook-light');
}));

test('the schemes view is rendered by the Quantscope extension', showingFailures(async () => {
  const federated = await page.evaluate(() => JSON.parse(document.getElementById('jupyter-config-data').textContent).federated_extensions);
  const names = federated.map((data) => data.name);
  assert.ok(names.includes('@quantscope/jupyterlab-extension'),
    `the server lists no Quantscope extension (federated extensions: ${JSON.stringify(names)}); build it: npm --prefix extension ci && npm --prefix extension run build, then lab/prepare.sh installs it`);
  await page.waitForSelector(VIEW_READY, { timeout: 30000 });
  assert.equal(await page.locator('.quantscope-error').count(), 0, 'the view reported an error');
  await page.locator(VIEW_READY).scrollIntoViewIfNeeded();
  await screenshot('schemes-view');
}));

test('choosing JupyterLab Dark in Settings > Theme changes the body theme attributes and the colours', showingFailures(async () => {
  const light = await themeState();
  assert.equal(light.name, 'JupyterLab Light');
  assert.equal(light.light, 'true');
  await chooseMenu(['Settings', 'Theme', 'JupyterLab Dark']);
  // JupyterLab shows its splash screen while the theme's CSS loads and removes it afterwards.
  await page.waitForFunction(
    (previous) => document.body.dataset.jpThemeName === 'JupyterLab Dark'
      && getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim() !== previous
      && document.getElementById('jupyterlab-splash') === null,
    light.layoutColor,
    { timeout: 30000 },
  );
  const dark = await themeState();
  assert.equal(dark.light, 'false');
  assert.ok(luminance(dark.notebookBackground) < 0.25 && luminance(light.notebookBackground) > 0.75,
    `notebook background went from ${light.notebookBackground} to ${dark.notebookBackground}`);
  await screenshot('notebook-dark');
}));

test('the page logged no console errors beyond the documented noise', () => {
  assert.deepEqual(consoleErrors.filter((text) => !isNoise(text)), []);
});
