import { percentileRange } from '../../../src/calibration/methods/percentile';
import { histogramQuantError, type HistogramQuantError } from '../../../src/views/histogram_error';
import type { CalibrationView, ViewRange } from '../../../src/views/types';
import { formatNumber, formatRange } from './format';
import { axis, baseLayout, binGeometry, verticalLine, plotText, type Figure, type Theme } from './figure';

/** A range to compare, with the name it shows under. */
export interface LabelledRange {
  readonly label: string;
  readonly range: ViewRange;
}

/** One bar of the error figure: a range and its expected quantization error. */
export interface ScoredRange extends LabelledRange {
  readonly error: HistogramQuantError;
}

/**
 * The range the library's percentile method picks on the view's histogram: 'abs' for a symmetric grid, 'two-sided'
 * otherwise (the modes `rangeMethods.percentile` uses), so the slider at 99.99 lands on the range "percentile 99.99"
 * was calibrated with. The library's method reads uniform bins; returns null when the edges are not uniform (to
 * 1e-6 of a bin) or when a two-sided percentile is 50 or less.
 */
export function percentileRangeOf(view: CalibrationView, percentile: number): ViewRange | null {
  const n = view.counts.length;
  const lo = view.edges[0];
  const binWidth = (view.edges[n] - lo) / n;
  for (let i = 1; i < n; i++) {
    if (Math.abs(view.edges[i] - (lo + i * binWidth)) > 1e-6 * binWidth) return null;
  }
  if (!view.symmetric && !(percentile > 50)) return null;
  return percentileRange({ lo, binWidth, counts: Float64Array.from(view.counts) },
    { percentile, mode: view.symmetric ? 'abs' : 'two-sided' });
}

/** The expected error of each range on the view's histogram and grid. */
export function rangeErrors(view: CalibrationView, ranges: readonly LabelledRange[]): ScoredRange[] {
  return ranges.map((r) => ({ ...r, error: histogramQuantError(view, r.range, view) }));
}

/** The calibration histogram's height in pixels. */
export const CALIBRATION_HISTOGRAM_HEIGHT = 300;

/**
 * The histogram with the selected range shaded and each method's range as a pair of dotted lines in its own colour
 * (methods in `view.methods` order take `theme.series` in turn), each pair one legend entry. The bar arrays are built
 * once per view and shared by every figure the returned function builds, and the figure has no other data arrays:
 * `Plotly.react` recomputes every bar when a data array is a new object (even a two-point one), so with only the
 * shapes changing a slider move redraws the shading and lines, not the bars (issue #6).
 */
export function calibrationHistogramFigure(view: CalibrationView): (selected: LabelledRange, theme: Theme) => Figure {
  const { centers, widths } = binGeometry(view.edges);
  const positive = view.counts.filter((c) => c > 0);
  const logScale = Math.max(...positive) / Math.min(...positive) > 1000;
  return (selected, theme) => ({
    data: [
      { type: 'bar', name: plotText(view.tensor), x: centers, y: view.counts, width: widths, marker: { color: theme.primary, opacity: 0.7 },
        hovertemplate: '%{x}: %{y}<extra></extra>' },
    ],
    layout: {
      ...baseLayout(theme, CALIBRATION_HISTOGRAM_HEIGHT),
      bargap: 0,
      showlegend: true,
      legend: { orientation: 'v', x: 1.02, y: 1, font: { color: theme.text } },
      margin: { l: 64, r: 8, t: 16, b: 48 },
      xaxis: axis(theme, { title: { text: 'value' } }),
      yaxis: axis(theme, { title: { text: 'count' }, type: logScale ? 'log' : 'linear' }),
      shapes: [
        {
          type: 'rect', xref: 'x', yref: 'paper', x0: selected.range.min, x1: selected.range.max, y0: 0, y1: 1,
          fillcolor: theme.secondary, opacity: 0.12, line: { width: 0 },
        },
        verticalLine(selected.range.min, theme.secondary, 'solid'),
        verticalLine(selected.range.max, theme.secondary, 'solid'),
        ...view.methods.flatMap((m, i) => {
          const color = theme.series[i % theme.series.length];
          const legend = { name: `${plotText(m.method)} ${formatRange(m)}`, legendgroup: `method-${i}` };
          return [
            { ...verticalLine(m.min, color, 'dot'), ...legend, showlegend: true },
            { ...verticalLine(m.max, color, 'dot'), ...legend, showlegend: false },
          ];
        }),
      ],
    },
  });
}

/**
 * The left margin of the error figure per character of its longest label. Its 12 px font measures 5.7-6 px a
 * character on these labels (DejaVu Sans), so automargin rarely has to widen the margin, which would make plotly
 * draw the figure a second time.
 */
const LABEL_PX_PER_CHAR = 7;

/** The error figure's height in pixels for `bars` ranges (the selected one included). */
export function calibrationErrorFigureHeight(bars: number): number {
  return 60 + 34 * bars;
}

/** The error figure's label of the selected range's bar: fixed, so a slider move changes no category or margin. */
export const SELECTED_LABEL = 'selected';

/**
 * Expected MSE of each range as a horizontal bar split into clipping and rounding: the selected range first (its
 * name and range in its hover text and in the view's summary line), then the fixed ranges.
 */
export function calibrationErrorFigure(selected: ScoredRange, fixed: readonly ScoredRange[], theme: Theme): Figure {
  const labels = [SELECTED_LABEL, ...fixed.map((e) => `${e.label} ${formatRange(e.error.range)}`)];
  const bars = calibrationErrorBars(selected, fixed);
  const trace = (k: 0 | 1, name: string, color: string) => ({
    type: 'bar', orientation: 'h', name, y: labels.map(plotText), x: bars.x[k], marker: { color }, hovertext: bars.hovertext[k], hoverinfo: 'x+text',
  });
  return {
    data: [trace(0, 'clipping', theme.warn), trace(1, 'rounding', theme.primary)],
    layout: {
      ...baseLayout(theme, calibrationErrorFigureHeight(labels.length)),
      barmode: 'stack',
      margin: { l: 8 + LABEL_PX_PER_CHAR * Math.max(...labels.map((l) => l.length)), r: 24, t: 32, b: 40 },
      xaxis: axis(theme, { title: { text: 'expected MSE per value' }, exponentformat: 'e', automargin: false }),
      yaxis: axis(theme, { autorange: 'reversed', automargin: false }),
    },
  };
}

/**
 * The error figure's attributes that change with the selected range, per trace (clipping, rounding), as
 * `Plot.update` takes them: a slider move updates the bar lengths and hover texts, not the categories or layout.
 */
export function calibrationErrorBars(selected: ScoredRange, fixed: readonly ScoredRange[]) {
  const all = [selected, ...fixed];
  const hover = all.map((e) => `${plotText(e.label)} ${formatRange(e.error.range)}: MSE ${formatNumber(e.error.mse)}, SQNR ${formatNumber(e.error.sqnrDb)} dB`);
  return {
    x: [all.map((e) => e.error.clipping), all.map((e) => e.error.rounding)] as const,
    hovertext: [hover, hover] as const,
  };
}
