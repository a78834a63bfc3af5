/** The extension's figure builders (extension/src/figures) are DOM-free: they run here under node. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileRange } from '../../src/calibration/methods/percentile';
import { histogramQuantError } from '../../src/views/histogram_error';
import { ERROR_SOURCES, type CalibrationView, type ErrorBudgetView, type LayerwiseView, type SchemesViewRow } from '../../src/views/types';
import {
  calibrationErrorBars, calibrationErrorFigure, calibrationHistogramFigure, percentileRangeOf, rangeErrors,
  SELECTED_LABEL,
} from '../../extension/src/figures/calibration';
import { distributionFigure } from '../../extension/src/figures/distribution';
import { equalizationFigure, pairLabel } from '../../extension/src/figures/equalization';
import { errorBudgetFigure, errorSplitFigure, sortBudgetRows } from '../../extension/src/figures/error_budget';
import { LIGHT_THEME, plotText, themeFromVariables, type PlotObject } from '../../extension/src/figures/figure';
import { formatAccuracy, formatBytes, formatDelta, formatNumber } from '../../extension/src/figures/format';
import { layerwiseFigure } from '../../extension/src/figures/layerwise';
import { parsePlotlyPayload, themedPlotlyLayout } from '../../extension/src/figures/plotly';
import { progressModel } from '../../extension/src/figures/progress';
import { accuracyBar, schemeCell, sortSchemes } from '../../extension/src/figures/schemes';
import { calibrationView, distributionView, equalizationView, errorBudgetView, layerwiseView, progressView, schemesView } from './view_fixtures';

const theme = LIGHT_THEME;
const numbers = (v: unknown) => v as number[];
const darkVariables: Record<string, string> = { '--jp-layout-color0': '#111111', '--jp-ui-font-color1': '#eeeeee', '--jp-border-color2': '#424242' };
const dark = themeFromVariables((name) => darkVariables[name] ?? '');

test('plotText escapes the markup plotly would otherwise interpret in a name', () => {
  assert.equal(plotText('a<b>&c</b>'), 'a&lt;b&gt;&amp;c&lt;/b&gt;');
});

test('layerwiseFigure draws one bar per layer, flags layers over the threshold and marks the threshold', () => {
  const view = layerwiseView();
  const { data, layout } = layerwiseFigure(view, theme);
  const ratio = data.find((t) => t.name === 'rmse / scale') as PlotObject;
  assert.deepEqual(ratio.y, view.layers.map((r) => r.rmseOverScale ?? 0));
  // conv1 0.29, conv2 0.76 and dense 1.0 against 0.5: conv2 and dense are flagged; softmax is float (no ratio).
  assert.deepEqual((ratio.marker as PlotObject).color, [theme.primary, theme.error, theme.primary, theme.error, theme.primary]);
  assert.deepEqual(ratio.customdata, view.layers.map((r) => r.name));
  const range = data.find((t) => t.name === 'float range') as PlotObject;
  assert.deepEqual(range.base, view.layers.map(() => -1.5));
  assert.deepEqual(range.y, view.layers.map(() => 4));
  const clip = data.find((t) => t.name === 'clip range') as PlotObject;
  assert.deepEqual(clip.y, [4, 4, 4, 4, null], 'a float layer has no clip range');
  const [line] = layout.shapes as PlotObject[];
  assert.deepEqual([line.y0, line.y1, line.yref], [0.5, 0.5, 'y2']);
  assert.deepEqual((layout.xaxis as PlotObject).ticktext, ['conv1', 'conv2 &lt;b&gt;', 'pool', 'dense', 'softmax']);
});

test('layerwiseFigure takes its colours from the theme', () => {
  const { layout, data } = layerwiseFigure(layerwiseView(), { ...dark, primary: '#90caf9' });
  assert.equal(layout.paper_bgcolor, '#111111');
  assert.equal((layout.font as PlotObject).color, '#eeeeee');
  assert.equal(((data[0].marker as PlotObject).color), '#90caf9');
});

test('two layers with one name still get a bar each', () => {
  const view = layerwiseView();
  const twins: LayerwiseView = { ...view, layers: [view.layers[0], view.layers[0]] };
  const { data } = layerwiseFigure(twins, theme);
  assert.deepEqual(data[2].x, [0, 1]);
});

test('distributionFigure puts bars at the bin centres with the bin widths and the clip range as two lines', () => {
  const view = distributionView();
  const { data, layout } = distributionFigure(view, theme);
  assert.deepEqual(data[0].x, [-1.5, -0.5, 0.5, 1.5]);
  assert.deepEqual(data[0].width, [1, 1, 1, 1]);
  assert.deepEqual(data[1].y, view.quantCounts);
  assert.deepEqual((layout.shapes as PlotObject[]).map((s) => s.x0), [-1.5, 2]);
  assert.equal((layout.yaxis as PlotObject).type, 'linear');
  const unquantized = distributionFigure({ ...view, clip: null, scale: null, zeroPoint: null, bits: null }, theme);
  assert.deepEqual(unquantized.layout.shapes, []);
  const outliers = distributionFigure({ ...view, floatCounts: [1, 5000, 6000, 2] }, theme);
  assert.equal((outliers.layout.yaxis as PlotObject).type, 'log');
});

test('the calibration slider picks the range of the library percentile method on the same histogram', () => {
  const view = calibrationView();
  const h = { lo: view.edges[0], binWidth: 8 / 64, counts: Float64Array.from(view.counts) };
  for (const p of [99, 99.9, 99.99, 100]) {
    assert.deepEqual(percentileRangeOf(view, p), percentileRange(h, { percentile: p, mode: 'two-sided' }), `two-sided ${p}`);
    assert.deepEqual(percentileRangeOf({ ...view, symmetric: true }, p), percentileRange(h, { percentile: p, mode: 'abs' }), `abs ${p}`);
  }
  assert.equal(percentileRangeOf(view, 40), null, 'a two-sided percentile needs p > 50');
  const edges = [...view.edges];
  edges[5] += 0.01;
  assert.equal(percentileRangeOf({ ...view, edges }, 99.9), null, 'non-uniform bins');
});

test('rangeErrors scores each range with histogramQuantError and the error figure stacks clipping on rounding', () => {
  const view: CalibrationView = calibrationView();
  const ranges = [{ label: 'a', range: { min: -1, max: 1 } }, { label: 'b', range: { min: -4, max: 4 } }];
  const scored = rangeErrors(view, ranges);
  assert.deepEqual(scored.map((s) => s.error), ranges.map((r) => histogramQuantError(view, r.range, view)));
  const { data, layout } = calibrationErrorFigure(scored[0], scored.slice(1), theme);
  assert.equal(layout.barmode, 'stack');
  assert.deepEqual(data.map((t) => t.name), ['clipping', 'rounding']);
  assert.deepEqual(data[0].y, [SELECTED_LABEL, 'b [-4, 4]']);
  const clipping = numbers(data[0].x);
  const rounding = numbers(data[1].x);
  scored.forEach((s, i) => assert.equal(clipping[i] + rounding[i], s.error.clipping + s.error.rounding));
  assert.ok(clipping[0] > clipping[1], 'the narrow range clips more');
  assert.ok(rounding[0] < rounding[1], 'and rounds less');
  assert.match((data[0].hovertext as string[])[0], /^a \[-1, 1\]: MSE /);
  // Room for the labels at 6 px a character, so plotly need not widen the margin (and draw the figure twice).
  const longest = Math.max(...(data[0].y as string[]).map((label) => label.length));
  assert.ok(Number((layout.margin as PlotObject).l) >= 6 * longest, `margin ${(layout.margin as PlotObject).l} for ${longest} characters`);
});

test('a slider move changes only the error bars, as the Plot.update the widget makes, and the figure agrees', () => {
  const view = calibrationView();
  const [a, b, fixed] = rangeErrors(view, [
    { label: 'percentile 99', range: { min: -1, max: 1 } }, { label: 'percentile 90', range: { min: -0.5, max: 0.75 } },
    { label: 'min/max', range: { min: -4, max: 4 } },
  ]);
  // The error figure for b equals the one for a with b's bars put in: nothing else depends on the selection.
  const before = calibrationErrorFigure(a, [fixed], theme);
  const bars = calibrationErrorBars(b, [fixed]);
  const patched = before.data.map((trace, k) => ({ ...trace, x: bars.x[k], hovertext: bars.hovertext[k] }));
  assert.deepEqual({ data: patched, layout: before.layout }, calibrationErrorFigure(b, [fixed], theme));
});

test('calibrationHistogramFigure shades the selected range and draws two lines per method, each method one legend entry', () => {
  const view = calibrationView();
  const { layout, data } = calibrationHistogramFigure(view)({ label: 'x', range: { min: -2, max: 2.5 } }, theme);
  const shapes = layout.shapes as PlotObject[];
  assert.deepEqual([shapes[0].type, shapes[0].x0, shapes[0].x1], ['rect', -2, 2.5]);
  assert.equal(shapes.length, 3 + 2 * view.methods.length);
  assert.deepEqual(shapes.slice(3).map((s) => s.x0), view.methods.flatMap((m) => [m.min, m.max]));
  assert.deepEqual(shapes.filter((s) => s.showlegend === true).map((s) => s.name), ['min/max [-4, 4]', 'percentile 99.99 [-3.5, 3.5]', 'MSE [-2.9, 3]']);
  assert.equal(data.length, 1, 'the histogram is the only trace');
});

test('every figure of one calibration histogram shares its bar arrays, so plotly need not redraw the bars when the range moves', () => {
  const view = calibrationView();
  const build = calibrationHistogramFigure(view);
  const a = build({ label: 'a', range: { min: -2, max: 2.5 } }, theme);
  const b = build({ label: 'b', range: { min: -1, max: 1 } }, dark);
  for (const key of ['x', 'y', 'width']) assert.equal(a.data[0][key], b.data[0][key], key);
  assert.deepEqual(a.data[0].x, view.edges.slice(0, -1).map((e, i) => (e + view.edges[i + 1]) / 2));
  assert.notDeepEqual(a.layout.shapes, b.layout.shapes);
});

test('equalizationFigure shows each side before and after, per channel', () => {
  const view = equalizationView();
  const pair = view.pairs[0];
  assert.equal(pairLabel(pair), 'conv1 → conv2');
  const { data } = equalizationFigure(pair, theme);
  assert.deepEqual(data.map((t) => t.y), [pair.first.before, pair.first.after, pair.second.before, pair.second.after]);
  assert.deepEqual(data.map((t) => t.xaxis), ['x', 'x', 'x2', 'x2']);
  assert.deepEqual(data[0].x, [0, 1, 2]);
});

test('sortSchemes orders by any column either way and keeps the view order on ties', () => {
  const rows: SchemesViewRow[] = [...schemesView().rows, { scheme: 'fp16', accuracy: 0.9, delta: -1, modelBytes: 240_000, layersInFloat: 0 }];
  const names = (sorted: SchemesViewRow[]) => sorted.map((r) => r.scheme);
  assert.deepEqual(names(sortSchemes(rows, { key: 'accuracy', descending: true })), ['int16x8', 'int8 per-channel', 'fp16', 'int8 per-tensor']);
  assert.deepEqual(names(sortSchemes(rows, { key: 'accuracy', descending: false })), ['int8 per-tensor', 'int8 per-channel', 'fp16', 'int16x8']);
  assert.deepEqual(names(sortSchemes(rows, { key: 'scheme', descending: false })), ['fp16', 'int16x8', 'int8 per-channel', 'int8 per-tensor']);
  assert.deepEqual(names(sortSchemes(rows, { key: 'modelBytes', descending: true })), ['fp16', 'int16x8', 'int8 per-channel', 'int8 per-tensor']);
  assert.equal(schemeCell(rows[0], 'modelBytes'), '117.2 KiB');
  assert.equal(schemeCell(rows[0], 'delta'), '−9.00 pt');
  assert.equal(accuracyBar(rows[2], rows), 1);
  assert.equal(accuracyBar(rows[0], rows), 0.82 / 0.91);
});

test('progressModel fills the bar by done / total', () => {
  assert.deepEqual(progressModel(progressView()), { fraction: 0.25, caption: 'batch 3 of 12: 3 / 12 (25 %)' });
  assert.deepEqual(progressModel({ ...progressView(), done: 0, total: 0, label: '' }), { fraction: 1, caption: 'Calibrating: 0 / 0 (100 %)' });
});

test('errorBudgetFigure stacks every source and the interaction so each layer adds up to its total', () => {
  const view: ErrorBudgetView = errorBudgetView();
  const { data, layout } = errorBudgetFigure(view, 'order', theme);
  assert.equal(layout.barmode, 'relative');
  assert.deepEqual(data.map((t) => t.name), [...ERROR_SOURCES, 'interaction']);
  view.rows.forEach((row, i) => {
    const sum = data.reduce((s, t) => s + numbers(t.y)[i], 0);
    assert.ok(Math.abs(sum - row.total) < 1e-15, `${row.layer}: ${sum} vs ${row.total}`);
  });
  assert.deepEqual(sortBudgetRows(view, 'total').map((r) => r.layer), ['conv2', 'conv1']);
  assert.deepEqual(sortBudgetRows(view, 'order').map((r) => r.layer), ['conv1', 'conv2']);
  const swapped = { ...view, rows: [view.rows[0], { ...view.rows[1], parts: { ...view.rows[1].parts, bias: 0 } }] };
  swapped.rows[0] = { ...view.rows[0], parts: { ...view.rows[0].parts, bias: 1e-3 } };
  assert.deepEqual(sortBudgetRows(swapped, 'bias').map((r) => r.layer), ['conv1', 'conv2']);
  assert.deepEqual(errorBudgetFigure(view, 'total', theme).data[0].customdata, ['conv2', 'conv1']);
  const split = errorSplitFigure(view.rows[0], theme);
  // One trace per part, each over [input, output], straight from the row's splits.
  assert.deepEqual(split.data.map((t) => t.name), ['clipping', 'rounding']);
  assert.deepEqual(split.data[0].x, [view.rows[0].input.clipping, view.rows[0].output.clipping]);
  assert.deepEqual(split.data[1].x, [view.rows[0].input.rounding, view.rows[0].output.rounding]);
});

test('parsePlotlyPayload accepts a figure or its JSON and names what is wrong', () => {
  const figure = { data: [{ type: 'bar', y: [1, 2] }], layout: { title: { text: 't' } } };
  assert.deepEqual(parsePlotlyPayload(figure), { ok: true, figure: { ...figure, config: {} } });
  assert.deepEqual(parsePlotlyPayload(JSON.stringify(figure)), { ok: true, figure: { ...figure, config: {} } });
  assert.deepEqual(parsePlotlyPayload({ data: {} }), { ok: false, error: 'plotly figure: data is not an array of traces' });
  assert.deepEqual(parsePlotlyPayload({ data: [{}, 3] }), { ok: false, error: 'plotly figure: data[1] is not a trace object' });
  assert.deepEqual(parsePlotlyPayload({ data: [], layout: [] }), { ok: false, error: 'plotly figure: layout is not an object' });
  assert.match((parsePlotlyPayload('{') as { error: string }).error, /^plotly figure: the payload is not valid JSON/);
});

test('themedPlotlyLayout fills in the theme where the figure sets nothing and keeps what it sets', () => {
  const themed = themedPlotlyLayout({ plot_bgcolor: 'pink', font: { size: 20 }, yaxis2: { title: 'y' } }, dark);
  assert.equal(themed.plot_bgcolor, 'pink');
  assert.equal(themed.height, 420);
  assert.equal(themedPlotlyLayout({ height: 200 }, dark).height, 200);
  assert.equal(themed.paper_bgcolor, '#111111');
  assert.deepEqual(themed.font, { family: dark.fontFamily, color: '#eeeeee', size: 20 });
  assert.deepEqual(themed.yaxis2, { gridcolor: dark.grid, zerolinecolor: dark.grid, linecolor: dark.grid, title: 'y' });
  assert.equal((themed.xaxis as PlotObject).gridcolor, dark.grid);
});

test('numbers read at three significant digits, small errors in exponent notation', () => {
  assert.deepEqual([0.012345, 1234.5, 1.5e-7, 0, null, -2.5e6].map(formatNumber), ['0.0123', '1230', '1.50e-7', '0', '–', '-2.50e+6']);
  assert.equal(formatAccuracy(0.87346), '87.35 %');
  assert.equal(formatDelta(1.5), '+1.50 pt');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
});
