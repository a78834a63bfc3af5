// Slider to redrawn error figure in the calibration widget (issue #6: under 50 ms for a 2,048-bin histogram), in
// JupyterLab as `npm start` serves it, in Debian's headless Chromium. A notebook on the quantscope kernel displays
// the calibration view of a 2,048-bin histogram built by the library (calibrationView on a streaming histogram of a
// seeded ReLU-like sample spanning exactly 2,048 bins); the page then moves the percentile slider (sets its value
// and dispatches `input`, as a drag does) to a new percentile each time and records, from that event:
//   - mse: the error figure's data-mse holds the new range's error (set synchronously by the input handler);
//   - error figure: plotly has redrawn the error figure (its plotly_react or, updated in place, plotly_update event),
//     and the frame with it has been rendered (on screen);
//   - both: the histogram, whose shaded range moves too (the widget redraws it once the error figure is on screen),
//     has been redrawn as well, and its frame rendered.
// Prints the median (and min, max) of ROUNDS moves (default 20) after 3 warm-up moves.
//
//   bash lab/prepare.sh chromium && node bench/lab/slider_redraw.js [ROUNDS]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchBrowser, median, openNotebook, runAllCells, startLab } = require('../../test/browser/lab_session');

const rounds = Number(process.argv[2] ?? 20);
const WARM_UP = 3;
const BINS = 2048;
const VIEW = '[data-quantscope-view="calibration"][data-quantscope-ready="true"]';

// Values in [0, 1): 30 % zeros and the rest |N(0, 0.2)| with one value at 0.9999, so the streaming histogram's grid
// (bin width 2^-11, anchored at 0) occupies bins 0..2047, all of them.
const CELL = `let seed = 2024;
const uniform = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const values = new Float32Array(200_000).map((_, i) => {
  if (i === 0) return 0.9999;
  if (uniform() < 0.3) return 0;
  const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return Math.min(0.9999, Math.abs(0.2 * z));
});
const h = q.addToHistogram(q.emptyHistogram(${BINS}), values);
const view = q.calibrationView('bench_relu', h, { bits: 8, symmetric: false, current: { min: h.min, max: h.max } });
console.log(\`bins: \${view.view.counts.length}\`);
view`;

function notebookJson() {
  return {
    cells: [{ cell_type: 'code', execution_count: null, id: 'bench', metadata: {}, outputs: [], source: CELL }],
    metadata: { kernelspec: { display_name: 'TypeScript (Quantscope)', language: 'typescript', name: 'quantscope' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** In the page: moves the slider to each percentile in turn and returns the milliseconds of each stage per move. */
function measure({ selector, percentiles }) {
  const REDRAWN = ['plotly_react', 'plotly_update'];
  const root = document.querySelector(selector);
  const slider = root.querySelector('input.quantscope-percentile');
  const errorFigure = root.querySelector('.quantscope-error-figure');
  const histogram = root.querySelector('.quantscope-histogram');
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  // After a frame's callbacks: a task queued from requestAnimationFrame runs once that frame is rendered.
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const updated = (gd) => new Promise((resolve) => {
    const done = () => {
      for (const event of REDRAWN) gd.removeListener(event, done);
      resolve(performance.now());
    };
    for (const event of REDRAWN) gd.on(event, done);
  });
  return (async () => {
    const samples = [];
    for (const p of percentiles) {
      await nextFrame();
      await nextFrame(); // nothing pending from the previous move
      const before = errorFigure.dataset.mse;
      const onScreen = (gd) => updated(gd).then(async (drawnAt) => {
        await painted();
        return [drawnAt, performance.now()];
      });
      // The frame after the move, watched from before it: this frame callback then runs ahead of the widget's, and
      // the task it queues ahead of the histogram redraw that the widget queues after that frame.
      const firstFrame = new Promise((resolve) => requestAnimationFrame(() => {
        const frameAt = performance.now();
        setTimeout(() => resolve({ frameAt, renderedAt: performance.now() }), 0);
      }));
      const errorDrawn = updated(errorFigure);
      const histogramDrawn = onScreen(histogram);
      const start = performance.now();
      slider.value = String(p);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      const mse = performance.now();
      if (errorFigure.dataset.mse === before) throw new Error(`percentile ${p}: data-mse stayed ${before}`);
      const errorAt = await errorDrawn;
      const frame = await firstFrame;
      // Drawn after that frame started: on screen one frame later.
      const errorShown = errorAt < frame.frameAt ? frame.renderedAt : await painted().then(() => performance.now());
      const [histogramAt, histogramShown] = await histogramDrawn;
      samples.push({
        mse: mse - start, errorFigure: errorAt - start, errorShown: errorShown - start,
        bothPlots: Math.max(errorAt, histogramAt) - start, bothShown: Math.max(errorShown, histogramShown) - start,
      });
    }
    return samples;
  })();
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'quantscope-slider-'));
  const notebook = 'slider.ipynb';
  fs.writeFileSync(path.join(scratch, notebook), JSON.stringify(notebookJson(), null, 1));
  let lab;
  let browser;
  try {
    lab = await startLab({ root: scratch, logFile: path.join(scratch, 'server.log') });
    browser = await launchBrowser();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await openNotebook(page, lab, notebook, 'TypeScript (Quantscope)');
    await runAllCells(page, 120000);
    await page.waitForSelector(VIEW, { timeout: 30000 });
    const printed = await page.locator('.jp-NotebookPanel .jp-OutputArea-output').allTextContents();
    if (!printed.some((text) => text.includes(`bins: ${BINS}`))) throw new Error(`the view does not have ${BINS} bins: ${JSON.stringify(printed)}`);
    if (await page.locator(`${VIEW} .quantscope-error`).count() > 0) throw new Error('the calibration view shows an error');
    await page.locator(VIEW).scrollIntoViewIfNeeded();
    // Distinct percentiles 90 .. 99.9: each moves the range by whole bins, so every move changes the error.
    const percentiles = Array.from({ length: WARM_UP + rounds }, (_, i) => (i % 2 === 0 ? 90 + i * 0.2 : 99.9 - i * 0.2).toFixed(2));
    const samples = (await page.evaluate(measure, { selector: VIEW, percentiles })).slice(WARM_UP);
    console.log(`calibration widget, ${BINS}-bin histogram, slider input to (median of ${samples.length} moves; min, max):`);
    for (const [key, label] of [['mse', 'data-mse updated'], ['errorFigure', 'error figure redrawn'],
      ['errorShown', 'error figure on screen (frame rendered)'], ['bothPlots', 'histogram shading redrawn too'],
      ['bothShown', 'both on screen']]) {
      const ms = samples.map((s) => s[key]);
      console.log(`  ${label}: ${median(ms).toFixed(1)} ms (${Math.min(...ms).toFixed(1)}, ${Math.max(...ms).toFixed(1)})`);
    }
  } finally {
    await browser?.close();
    await lab?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
