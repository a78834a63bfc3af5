import * as crypto from 'node:crypto';
import type { ErrorBudgetReport } from '../analysis/error_budget';
import { formatTable } from '../cli/table';
import { ERROR_SOURCES, VIEW_VERSION, type ErrorBudgetView, type ErrorSource } from './types';

/**
 * The error-budget view of a report: per layer, the total MSE, each source's MSE, the interaction, the clipping /
 * rounding splits, the accumulator's overflows, and the recommendation with its measured plan changes. A static view
 * (no actions). `id` defaults to a fresh random one.
 */
export function errorBudgetView(report: ErrorBudgetReport, id = `error-budget-${crypto.randomBytes(6).toString('hex')}`): ErrorBudgetView {
  return {
    kind: 'error-budget',
    version: VIEW_VERSION,
    id,
    title: `Error budget of ${report.model}`,
    actions: [],
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
  };
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
  const share = (x: number, total: number) => (total > 0 ? `${(100 * x / total).toFixed(1)}%` : '0%');
  const table = formatTable(
    ['layer', 'op', 'precision', 'total MSE', ...ERROR_SOURCES.map((s) => HEADINGS[s]), 'interaction', 'overflows', 'dominant'],
    report.rows.map((r) => [
      r.layer, r.op, r.precision, r.total.toExponential(2), ...ERROR_SOURCES.map((s) => share(r.parts[s], r.total)),
      share(r.interaction, r.total), `${r.accumulator.overflows}/${r.accumulator.outputs}`, r.recommendation.cause,
    ]),
  );
  const advice = report.rows.map((r) => {
    const effects = r.recommendation.changes.map((c) => `\n    ${c.description}: total MSE ${c.before.toExponential(2)} -> ${c.after === null ? 'not measured' : c.after.toExponential(2)}`);
    return `  ${r.layer}: ${r.recommendation.text}${effects.join('')}`;
  });
  return [
    `Error budget of ${report.model} (${report.samples} samples, ${report.profile} arithmetic): output MSE of each layer alone, shares of it per source`,
    table,
    'Recommendations:',
    ...advice,
  ].join('\n');
}
