// JupyterLab in a real browser: the application `npm start` serves (lab/), the quantscope kernel and the Quantscope
// extension installed the way any JupyterLab 4 installs them. Run by run_browser_tests.sh, which prepares the build
// and a folder holding copies of the test notebooks (QUANTSCOPE_BROWSER_ROOT): views.ipynb (hand-written payloads:
// a view as an object and as JSON text, a malformed one, a plotly figure) and session.ipynb (every view kind from a
// real session on the zoo ResNet, driven through its widgets). Every wait is on a DOM state; the timeouts only bound
// a failure. The tests run in order on one page.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, test } = require('node:test');
const { chooseMenu, launchBrowser, openNotebook, repo, runAllCells, startLab } = require('./lab_session');

const root = process.env.QUANTSCOPE_BROWSER_ROOT;
const artifacts = process.env.QUANTSCOPE_BROWSER_ARTIFACTS ?? path.join(repo, 'test-artifacts', 'browser');
const KERNEL = 'TypeScript (Quantscope)';
/** The rendered view of `kind` in the open notebook, once drawn. */
const view = (kind) => `.jp-NotebookPanel [data-quantscope-view="${kind}"][data-quantscope-ready="true"]`;
const SESSION_KINDS = ['progress', 'calibration', 'layerwise', 'schemes', 'equalization', 'distribution', 'error-budget'];

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

async function screenshot(name, locator = page) {
  await locator.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/**
 * A screenshot of each session view (view-<kind>-<suffix>.png), taken in a viewport tall enough for the tallest view
 * (an element screenshot shows only what the notebook's scroll area shows).
 */
async function screenshotViews(suffix) {
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: viewport.width, height: 2000 });
  try {
    for (const kind of SESSION_KINDS) await screenshot(`view-${kind}-${suffix}`, page.locator(view(kind)).last());
  } finally {
    await page.setViewportSize(viewport);
  }
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

/** Opens `notebook` as the only tab and waits for its kernel to be idle. */
async function open(notebook) {
  await openNotebook(page, lab, notebook, KERNEL);
  assert.equal(await page.locator('.jp-NotebookPanel').count(), 1, 'another notebook tab was restored');
}

/** The text of every stderr or error output in the open notebook (JupyterLab shows both under the stderr type). */
function errorOutputs() {
  return page.locator('.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allTextContents();
}

/** The body's theme attributes and the colours a reader sees, in the notebook and in the calibration widget. */
function themeState() {
  return page.evaluate((calibration) => {
    const notebook = document.querySelector('.jp-NotebookPanel .jp-Notebook');
    const widget = document.querySelector(calibration);
    return {
      name: document.body.dataset.jpThemeName,
      light: document.body.dataset.jpThemeLight,
      layoutColor: getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim(),
      notebookBackground: getComputedStyle(notebook).backgroundColor,
      widgetTitle: getComputedStyle(widget.querySelector('.quantscope-title')).color,
      // plotly paints paper_bgcolor as the background of its outer svg.
      plotBackground: getComputedStyle(widget.querySelector('.quantscope-histogram .main-svg')).backgroundColor,
      plotTickText: getComputedStyle(widget.querySelector('.quantscope-histogram .xtick text')).fill,
    };
  }, view('calibration'));
}

/** Relative luminance (0 black .. 1 white) of a CSS rgb()/rgba() colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => Number(v) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Waits until the `.quantscope-accuracy` under `scope` shows an accuracy other than `previous` (text) and its request is over. */
async function waitForAccuracy(scope, previous, timeout = 60000) {
  await page.waitForFunction(({ scope, previous }) => {
    const line = document.querySelector(`${scope} .quantscope-accuracy`);
    const status = document.querySelector(`${scope} .quantscope-status`);
    return (line?.dataset.accuracy !== undefined && line.textContent !== previous) || status?.dataset.state === 'error';
  }, { scope, previous }, { timeout });
  const status = page.locator(`${scope} .quantscope-status`);
  assert.notEqual(await status.getAttribute('data-state'), 'error', `the kernel request failed: ${await status.textContent()}`);
  const line = page.locator(`${scope} .quantscope-accuracy`);
  const accuracy = Number(await line.getAttribute('data-accuracy'));
  assert.ok(accuracy >= 0 && accuracy <= 1, `accuracy ${accuracy} outside [0, 1]`);
  return { accuracy, text: await line.textContent() };
}

/** The percent shown for an accuracy (formatAccuracy in extension/src/figures/format.ts). */
const percent = (accuracy) => `${(100 * accuracy).toFixed(2)} %`;

before(async () => {
  assert.ok(root && fs.existsSync(path.join(root, 'views.ipynb')) && fs.existsSync(path.join(root, 'session.ipynb')),
    'QUANTSCOPE_BROWSER_ROOT must hold the test notebooks (run run_browser_tests.sh)');
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

test('a notebook opens on the quantscope kernel, its code cells editable and the kernel idle', showingFailures(async () => {
  await open('views.ipynb');
}));

test('Run All Cells from the Run menu numbers every code cell and shows the printed text and the result', showingFailures(async () => {
  const prompts = await runAllCells(page, 90000);
  assert.deepEqual(prompts, ['[1]:', '[2]:', '[3]:', '[4]:', '[5]:', '[6]:']);
  const outputs = await page.locator('.jp-NotebookPanel .jp-OutputArea-output').allTextContents();
  assert.ok(outputs.some((text) => text.includes('quantscope prints 42')), `no printed line among outputs ${JSON.stringify(outputs)}`);
  assert.ok(outputs.some((text) => text.includes('layers: 42')), `no result among outputs ${JSON.stringify(outputs)}`);
  assert.deepEqual(await errorOutputs(), []);
  await screenshot('notebook-light');
}));

test('the Quantscope extension renders a schemes view sent as an object and one sent as JSON text', showingFailures(async () => {
  const federated = await page.evaluate(() => JSON.parse(document.getElementById('jupyter-config-data').textContent).federated_extensions);
  const names = federated.map((data) => data.name);
  assert.ok(names.includes('@quantscope/jupyterlab-extension'),
    `the server lists no Quantscope extension (federated extensions: ${JSON.stringify(names)}); build it: npm --prefix extension ci && npm --prefix extension run build, then lab/prepare.sh installs it`);
  await page.waitForFunction((selector) => document.querySelectorAll(selector).length === 2, view('schemes'), { timeout: 30000 });
  const [fromObject, fromText] = [page.locator(view('schemes')).nth(0), page.locator(view('schemes')).nth(1)];
  for (const widget of [fromObject, fromText]) assert.equal(await widget.locator('.quantscope-error').count(), 0, 'a schemes view reported an error');
  assert.equal(await fromObject.locator('.quantscope-title').textContent(), 'Schemes');
  assert.equal(await fromText.locator('.quantscope-title').textContent(), 'Schemes from JSON text');
  // Sorted by accuracy, best first.
  assert.deepEqual(await fromText.locator('tr[data-scheme]').evaluateAll((rows) => rows.map((r) => r.dataset.scheme)), ['FP32', 'INT8']);
  await fromText.scrollIntoViewIfNeeded();
  await screenshot('schemes-view');
}));

test('a malformed view shows a readable error box naming the missing field', showingFailures(async () => {
  const broken = page.locator(view('layerwise'));
  await broken.waitFor({ timeout: 30000 });
  const box = broken.locator('.quantscope-error');
  assert.equal(await box.count(), 1);
  assert.ok(await box.isVisible(), 'the error box is not visible');
  assert.equal(await box.getAttribute('role'), 'alert');
  const text = (await box.textContent()).trim();
  assert.match(text, /^Quantscope could not show this view\. layerwise view: id was missing; expected a string$/);
  // The only error on the page is the malformed view's.
  assert.equal(await page.locator('.jp-NotebookPanel .quantscope-error').count(), 1);
  await screenshot('malformed-view', broken);
}));

test('a plain plotly figure is drawn by the extension', showingFailures(async () => {
  const figure = page.locator(view('plotly'));
  await figure.waitFor({ timeout: 30000 });
  assert.equal(await figure.locator('.quantscope-error').count(), 0);
  assert.equal(await figure.locator('.main-svg .barlayer .point').count(), 3);
  assert.equal(await figure.locator('.gtitle').textContent(), 'plain plotly');
}));

test('the session notebook runs and draws every view kind without an error', showingFailures(async () => {
  await open('session.ipynb');
  const prompts = await runAllCells(page, 180000);
  assert.deepEqual(await errorOutputs(), []);
  assert.deepEqual(prompts, ['[1]:', '[2]:', '[3]:', '[4]:', '[5]:', '[6]:']);
  for (const kind of SESSION_KINDS) await page.locator(view(kind)).first().waitFor({ timeout: 30000 });
  const counts = await page.evaluate((kinds) => Object.fromEntries(kinds.map((kind) => [kind,
    document.querySelectorAll(`.jp-NotebookPanel [data-quantscope-view="${kind}"][data-quantscope-ready="true"]`).length])), SESSION_KINDS);
  const { progress, ...views } = counts;
  assert.deepEqual(views, { calibration: 1, layerwise: 1, schemes: 1, equalization: 1, distribution: 1, 'error-budget': 1 });
  assert.ok(progress >= 1, 'no progress view');
  assert.equal(await page.locator('.jp-NotebookPanel .quantscope-error').count(), 0, 'a view reported an error');
  // Calibration is over when its view shows: the bar reached the end.
  assert.ok(await page.locator('.jp-NotebookPanel .quantscope-progress[data-fraction="1"]').count() >= 1, 'no progress bar at 100 %');
  // Every plotting view has drawn its plot (plotly's outer svg), and the schemes table has a row per scheme.
  for (const kind of ['calibration', 'layerwise', 'equalization', 'distribution', 'error-budget']) {
    assert.ok(await page.locator(`${view(kind)} .main-svg`).count() >= 1, `the ${kind} view has no plot`);
  }
  assert.ok(await page.locator(`${view('schemes')} tr[data-scheme]`).count() >= 2);
  await screenshot('session-light');
  await screenshotViews('light');
}));

test('moving the calibration percentile slider recomputes the error figure', showingFailures(async () => {
  const calibration = view('calibration');
  const figure = page.locator(`${calibration} .quantscope-error-figure`);
  const before = await figure.evaluate((el) => ({ ...el.dataset }));
  assert.ok(Number(before.mse) > 0, `data-mse was ${before.mse}`);
  await page.locator(`${calibration} input.quantscope-percentile`).fill('95');
  const after = await figure.evaluate((el) => ({ ...el.dataset }));
  assert.notEqual(after.mse, before.mse);
  assert.ok(Number(after.max) < Number(before.max), `the 95th percentile range ${after.min}..${after.max} is not narrower than ${before.min}..${before.max}`);
  // The parts add up to the total (they are summed in the figure's bars).
  assert.ok(Math.abs(Number(after.clipping) + Number(after.rounding) - Number(after.mse)) <= 1e-9 * Number(after.mse));
  assert.equal(await page.locator(`${calibration} select.quantscope-method`).inputValue(), 'slider');
  assert.match(await page.locator(`${calibration} .quantscope-error-summary`).textContent(), /^percentile 95: /);
  // The plot updates in place: its first bar ('selected') stacks the new range's clipping and rounding, and its
  // hover text names the range.
  await page.waitForFunction((scope) => {
    const plot = document.querySelector(`${scope} .quantscope-error-figure`);
    const [clipping, rounding] = plot.data ?? [];
    return clipping?.y[0] === 'selected' && clipping.x[0] === Number(plot.dataset.clipping)
      && rounding.x[0] === Number(plot.dataset.rounding) && clipping.hovertext[0].startsWith('percentile 95 ');
  }, calibration, { timeout: 10000 });
  await screenshot('calibration-slider', page.locator(calibration));
}));

// Accuracy with the slider's range (the evaluate test), kept to compare with the layerwise view's after `apply`.
let sliderAccuracy;

test('evaluate shows the accuracy the kernel measured, and the current range gives the quantized accuracy', showingFailures(async () => {
  const calibration = view('calibration');
  await page.locator(`${calibration} .quantscope-evaluate`).click();
  const withSlider = await waitForAccuracy(calibration, '');
  sliderAccuracy = withSlider.accuracy;
  assert.match(withSlider.text, new RegExp(`^accuracy ${percent(withSlider.accuracy)} \\(.+ vs float\\) with block1_conv1 at `));
  // The session's own range: the same plan the layerwise view measured its quantized accuracy with.
  await page.locator(`${calibration} select.quantscope-method`).selectOption('current');
  await page.locator(`${calibration} .quantscope-evaluate`).click();
  const withCurrent = await waitForAccuracy(calibration, withSlider.text);
  const facts = await page.locator(`${view('layerwise')} .quantscope-facts`).textContent();
  assert.ok(facts.includes(`quantized ${percent(withCurrent.accuracy)}`), `evaluate gave ${percent(withCurrent.accuracy)}; the layerwise view says ${facts}`);
}));

test('apply writes the chosen range into the session and says so', showingFailures(async () => {
  const calibration = view('calibration');
  // Back to the slider's 95th percentile range.
  await page.locator(`${calibration} select.quantscope-method`).selectOption('slider');
  await page.locator(`${calibration} .quantscope-apply`).click();
  const status = page.locator(`${calibration} .quantscope-status`);
  await page.waitForFunction((scope) => {
    const line = document.querySelector(`${scope} .quantscope-status`);
    return line.textContent.startsWith('Applied ') || line.dataset.state === 'error';
  }, calibration, { timeout: 60000 });
  assert.equal(await status.getAttribute('data-state'), 'info', await status.textContent());
  assert.match(await status.textContent(), /^Applied \[.+\] to block1_conv1\.$/);
  await screenshot('calibration-applied', page.locator(calibration));
}));

test('toggling a layer\'s float fallback re-evaluates the model; toggling it back restores the applied plan\'s accuracy', showingFailures(async () => {
  const layerwise = view('layerwise');
  const toggle = page.locator(`${layerwise} .quantscope-fallback[data-layer="block2_conv1"]`);
  await toggle.check();
  const inFloat = await waitForAccuracy(layerwise, '');
  assert.match(inFloat.text, new RegExp(`^accuracy ${percent(inFloat.accuracy)} \\(.+ vs float\\) with block2_conv1 in float$`));
  await page.waitForFunction((scope) => !document.querySelector(`${scope} .quantscope-fallback[data-layer="block2_conv1"]`).disabled, layerwise);
  assert.ok(await toggle.isChecked());
  await toggle.uncheck();
  const back = await waitForAccuracy(layerwise, inFloat.text);
  assert.match(back.text, /with no layer in float$/);
  // The plan is the session's again, with the applied range: evaluate measured exactly that.
  assert.equal(back.accuracy, sliderAccuracy, `after apply, the plan without fallbacks scored ${back.accuracy}; evaluate had ${sliderAccuracy}`);
  assert.equal(await toggle.isChecked(), false);
}));

test('clicking a layer in the layerwise view draws its distribution', showingFailures(async () => {
  const layerwise = view('layerwise');
  await page.locator(`${layerwise} .quantscope-layer[data-layer="block2_conv2"]`).click();
  await page.waitForFunction((scope) => document.querySelector(`${scope} .quantscope-status`)?.dataset.state === 'error'
    || document.querySelector(`${scope} .quantscope-distribution[data-layer="block2_conv2"] .main-svg`) !== null, layerwise, { timeout: 60000 });
  const status = page.locator(`${layerwise} .quantscope-status`);
  assert.notEqual(await status.getAttribute('data-state'), 'error', await status.textContent());
  // Float and quantized histograms: two bar traces with drawn bars.
  const distribution = page.locator(`${layerwise} .quantscope-distribution`);
  assert.equal(await distribution.locator('.barlayer .trace.bars').count(), 2);
  assert.ok(await distribution.locator('.barlayer .point').count() > 10);
  await screenshot('layerwise-distribution', page.locator(layerwise));
}));

test('choosing JupyterLab Dark in Settings > Theme recolours the notebook and the Quantscope widgets', showingFailures(async () => {
  const light = await themeState();
  assert.equal(light.name, 'JupyterLab Light');
  assert.equal(light.light, 'true');
  await chooseMenu(page, ['Settings', 'Theme', 'JupyterLab Dark']);
  // JupyterLab shows its splash screen while the theme's CSS loads and removes it afterwards; the widgets redraw
  // their plots on the next frame.
  await page.waitForFunction(
    ({ previous, calibration }) => document.body.dataset.jpThemeName === 'JupyterLab Dark'
      && getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim() !== previous.layoutColor
      && document.getElementById('jupyterlab-splash') === null
      && getComputedStyle(document.querySelector(`${calibration} .quantscope-histogram .main-svg`)).backgroundColor !== previous.plotBackground,
    { previous: light, calibration: view('calibration') },
    { timeout: 30000 },
  );
  const dark = await themeState();
  assert.equal(dark.light, 'false');
  const flipped = (key) => assert.ok(luminance(dark[key]) < 0.25 && luminance(light[key]) > 0.75, `${key} went from ${light[key]} to ${dark[key]}`);
  const flippedText = (key) => assert.ok(luminance(dark[key]) > 0.6 && luminance(light[key]) < 0.4, `${key} went from ${light[key]} to ${dark[key]}`);
  flipped('notebookBackground');
  flipped('plotBackground');
  flippedText('widgetTitle');
  flippedText('plotTickText');
  assert.equal(await page.locator('.jp-NotebookPanel .quantscope-error').count(), 0);
  await screenshot('notebook-dark');
  await screenshotViews('dark');
}));

test('the page logged no console errors beyond the documented noise', () => {
  assert.deepEqual(consoleErrors.filter((text) => !isNoise(text)), []);
});
