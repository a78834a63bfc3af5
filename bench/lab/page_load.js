// Time to the first usable notebook page: from navigation to the moment the notebook's first cell accepts typing,
// in Debian's headless Chromium with a fresh profile (cold cache) each time. JupyterLab as `npm start` serves it
// (lab/serve.py, with the Quantscope extension when installed) against a peer in the same run: the classic Jupyter
// Notebook 6 (Debian's python3-notebook), the page most people know for opening a notebook. Both open the same
// notebook on the quantscope kernel; the kernel starts alongside, as it does for a user, and is shut down between
// samples. Variants alternate round-robin; prints each median of ROUNDS (default 5).
//
//   bash lab/prepare.sh chromium && node bench/lab/page_load.js [ROUNDS]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SELECTORS, encodePath, launchBrowser, median, repo, startLab, startServer } = require('../../test/browser/lab_session');

const rounds = Number(process.argv[2] ?? 5);
const notebook = 'views.ipynb';

/** Records, in the page, when `selector` first matches (ms since navigation start) as window.__usableAt. */
function recordWhenPresent(selector) {
  const check = () => {
    if (window.__usableAt === undefined && document.querySelector(selector)) {
      window.__usableAt = performance.now();
      return true;
    }
    return false;
  };
  new MutationObserver((_, observer) => {
    if (check()) observer.disconnect();
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['contenteditable'] });
}

/** One cold page load: a fresh browser profile, navigation to `url`, ms until `selector` matched. */
async function sample(url, selector) {
  const browser = await launchBrowser();
  try {
    await browser.context.addInitScript(recordWhenPresent, selector);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(url);
    return await page.waitForFunction(() => window.__usableAt, null, { timeout: 120000 }).then((handle) => handle.jsonValue());
  } finally {
    await browser.close();
  }
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'quantscope-page-load-'));
  fs.copyFileSync(path.join(repo, 'test', 'browser', 'notebooks', notebook), path.join(scratch, notebook));
  const logFile = path.join(scratch, 'servers.log');
  const variants = [];
  try {
    const lab = await startLab({ root: scratch, logFile });
    variants.push({ name: 'JupyterLab 4.6 (lab/, npm start)', server: lab, url: lab.notebookUrl(notebook), selector: SELECTORS.firstCellEditable });
    const hasClassic = fs.existsSync('/usr/lib/python3/dist-packages/notebook/notebookapp.py');
    if (hasClassic) {
      const classic = await startServer({
        args: (port) => ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--NotebookApp.port_retries=0',
          `--notebook-dir=${scratch}`, ...(process.getuid() === 0 ? ['--allow-root'] : [])],
        logFile,
      });
      variants.push({
        name: 'Jupyter Notebook 6.4 (Debian python3-notebook)',
        server: classic,
        url: `${classic.url}/notebooks/${encodePath(notebook)}?token=${classic.token}`,
        // CodeMirror 5 takes typing through its hidden textarea.
        selector: '#notebook-container .cell:first-child .CodeMirror textarea',
      });
    } else {
      console.log('peer skipped: the classic notebook is not installed (apt-get install python3-notebook)');
    }
    const times = new Map(variants.map((v) => [v.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        times.get(variant.name).push(await sample(variant.url, variant.selector));
        await variant.server.shutdownKernels();
      }
    }
    for (const variant of variants) {
      const ms = times.get(variant.name);
      console.log(`${variant.name}: first cell editable after ${median(ms).toFixed(0)} ms (median of ${ms.length}; ${ms.map((t) => t.toFixed(0)).join(', ')})`);
    }
    if (variants.length === 2) {
      const [lab, peer] = variants.map((v) => median(times.get(v.name)));
      console.log(`JupyterLab / classic notebook: ${(lab / peer).toFixed(2)}x`);
    }
  } finally {
    for (const variant of variants) await variant.server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
