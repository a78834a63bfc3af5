import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatTable } from '../cli/table';
import { writeFileAtomic } from '../export/atomic_write';
import { REPO_ROOT } from '../paths';
import { escapeHtml, htmlTable, JUPYTER_DISPLAY, pct, type TableFallback } from '../views/display';
import type { DoctorReport } from './doctor';

const points = (x: number) => x.toFixed(2);

/** The page's own script (a browser asset next to this module's source, not compiled). */
const REPORT_PAGE_SCRIPT = path.join(REPO_ROOT, 'src', 'doctor', 'report_page.js');

function candidateTable(report: DoctorReport): TableFallback {
  return {
    header: ['configuration', 'accuracy', 'delta (points)', 'weights (bytes)', 'float layers', 'within budget'],
    rows: report.candidates.map((c) => [c.name, pct(c.accuracy), points(c.delta), c.modelBytes, c.floatLayers.length, c.withinBudget ? 'yes' : 'no']),
  };
}

function schemeTable(report: DoctorReport): TableFallback {
  return {
    header: ['scheme', 'accuracy', 'delta (points)', 'weights (bytes)', 'layers in float'],
    rows: report.schemes.map((r) => [r.scheme, pct(r.accuracy), points(r.delta), r.modelBytes, r.layersInFloat]),
  };
}

/** The report as text: the findings in order, then the candidates. */
export function doctorText(report: DoctorReport): string {
  return [
    `Quantization doctor: ${report.model} (${report.calibrationImages} calibration, ${report.evaluationImages} evaluation images)`,
    ...report.findings.map((f, i) => `${i + 1}. ${f.step}: ${f.finding}`),
    '',
    formatTable(candidateTable(report).header, candidateTable(report).rows),
  ].join('\n');
}

/** A report as a notebook shows it: the findings and the candidate table (text and escaped HTML). */
export interface DoctorDisplay {
  readonly report: DoctorReport;
  [JUPYTER_DISPLAY](): Record<string, unknown>;
}

export function doctorDisplay(report: DoctorReport): DoctorDisplay {
  return {
    report,
    [JUPYTER_DISPLAY]: () => ({
      'text/plain': doctorText(report),
      'text/html': [
        `<div class="quantscope-doctor"><p><b>Quantization doctor: ${escapeHtml(report.model)}</b></p><ol>`,
        ...report.findings.map((f) => `<li><b>${escapeHtml(f.step)}</b>: ${escapeHtml(f.finding)}</li>`),
        '</ol>',
        htmlTable('Configurations tried', candidateTable(report)),
        '</div>',
      ].join('\n'),
    }),
  };
}

/**
 * A self-contained HTML page: plotly.js is inlined (no network), the data is embedded as JSON (with `<` escaped so
 * a layer name cannot close the script), every text is escaped.
 */
export function doctorHtml(report: DoctorReport): string {
  const plotly = fs.readFileSync(require.resolve('plotly.js-basic-dist-min'), 'utf8');
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  const tables = [htmlTable('Schemes', schemeTable(report)), htmlTable('Configurations tried', candidateTable(report))];
  if (report.mixedPrecisionTrials.length > 0) {
    tables.push(htmlTable('Mixed-precision trials', {
      header: ['step', 'move', 'layer', 'layers promoted', 'accuracy', 'delta (points)', 'within budget', 'kept'],
      rows: report.mixedPrecisionTrials.map((t) => [t.step, t.move, t.layer ?? '-', t.promoted.length, pct(t.accuracy), points(t.delta), t.withinBudget ? 'yes' : 'no', t.kept ? 'yes' : 'no']),
    }));
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Quantization doctor: ${escapeHtml(report.model)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.figure{height:380px}</style>
<script>${plotly}</script></head><body>
<h1>Quantization doctor: ${escapeHtml(report.model)}</h1>
<p>Float accuracy ${pct(report.floatAccuracy)} on ${report.evaluationImages} images; the budget accepts ${pct(report.target)} or more.</p>
<h2>Findings</h2><ol>${report.findings.map((f) => `<li><b>${escapeHtml(f.step)}</b>: ${escapeHtml(f.finding)}</li>`).join('')}</ol>
<h2>Accuracy by scheme and configuration</h2><div id="schemes" class="figure"></div><div id="candidates" class="figure"></div>
<h2>Calibration methods</h2><div id="calibrations" class="figure"></div>
${report.sensitivity.length > 0 ? '<h2>Layer sensitivity</h2><div id="sensitivity" class="figure"></div>' : ''}
<h2>Tables</h2>${tables.join('\n')}
<script id="quantscope-report" type="application/json">${data}</script>
<script>${fs.readFileSync(REPORT_PAGE_SCRIPT, 'utf8')}</script></body></html>
`;
}

/** Writes `<dir>/<model>.doctor.json` and `.doctor.html`, each atomically; returns their paths. */
export function writeDoctorReport(report: DoctorReport, dir: string): { json: string; html: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${report.model.replace(/[^\w.-]+/g, '_')}.doctor`);
  writeFileAtomic(`${base}.json`, `${JSON.stringify(report, null, 1)}\n`);
  writeFileAtomic(`${base}.html`, doctorHtml(report));
  return { json: `${base}.json`, html: `${base}.html` };
}
