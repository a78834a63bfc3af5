import type { ErrorBudgetReport } from '../analysis/error_budget';
import { formatTable } from '../cli/table';
import { displayable, type Displayable, type TableFallback } from './display';
import { ERROR_SOURCES, type ErrorBudgetView, type ErrorSource } from './types';

/**
 * The error-budget view of a report: per layer, the total MSE, each source's MSE, the interaction, the clipping /
 * rounding splits, the accumulator's overflows, and the recommendation with its measured plan changes. A static view
 * (no actions), with the text table of `errorBudgetText` as its fallback.
 */
export function errorBudgetView(report: ErrorBudgetReport): Displayable<ErrorBudgetView> {
  return displayable<ErrorBudgetView>({
    kind: 'error-budget',
    title: `Error budget of ${report.model}`,
    model: report.model,
    samples: report.samples,
    profile: report.profile,
    rows: report.rows.map((r) => ({
      layer: r.layer,
      op: r.op,
      precision: r.precision,
      total: r.total,
      parts: r.parts,
      interaction: r.interaction,
      input: r.input,
      output: r.output,
      accumulator: { bits: r.accumulator.bits, overflows: r.accumulator.overflows, outputs: r.accumulator.outputs },
      dominant: r.dominant,
      recommendation: r.recommendation.text,
      changes: r.recommendation.changes.map((c) => ({ change: c.description, before: c.before, after: c.after })),
    })),
  }, budgetTable(report));
}

const HEADINGS: Record<ErrorSource, string> = {
  weights: 'weights', input: 'input', bias: 'bias', accumulator: 'accum', requantization: 'requant', output: 'output',
};

/**
 * The report as text: a table of each layer's total MSE and the share of it each source and the interaction take
 * (shares of parts measured alone, so they need not add up to 100% without the interaction), then one line per layer
 * with its recommendation and the measured effect of each plan change.
 */
export function errorBudgetText(report: ErrorBudgetReport): string {
  const t = budgetTable(report);
  return [`Error budget of ${report.model}`, formatTable(t.header, t.rows), ...t.notes].join('\n');
}

function budgetTable(report: ErrorBudgetReport): TableFallback & { notes: string[] } {
  const share = (x: number, total: number) => (total > 0 ? `${(100 * x / total).toFixed(1)}%` : '0%');
  const advice = report.rows.map((r) => {
    const effects = r.recommendation.changes.map((c) => `\n    ${c.description}: total MSE ${c.before.toExponential(2)} -> ${c.after === null ? 'not measured' : c.after.toExponential(2)}`);
    return `  ${r.layer}: ${r.recommendation.text}${effects.join('')}`;
  });
  return {
    header: ['layer', 'op', 'precision', 'total MSE', ...ERROR_SOURCES.map((s) => HEADINGS[s]), 'interaction', 'overflows', 'dominant'],
    rows: report.rows.map((r) => [
      r.layer, r.op, r.precision, r.total.toExponential(2), ...ERROR_SOURCES.map((s) => share(r.parts[s], r.total)),
      share(r.interaction, r.total), `${r.accumulator.overflows}/${r.accumulator.outputs}`, r.recommendation.cause,
    ]),
    notes: [`${report.samples} samples, ${report.profile} arithmetic: output MSE of each layer alone, shares of it per source`, 'Recommendations:', ...advice],
  };
}
