/**
 * The colours of the figures under JupyterLab's light and dark themes: within one panel, every series a reader has to
 * tell apart has a colour of its own, and every data colour stands out from the background.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationErrorFigure, calibrationHistogramFigure, rangeErrors } from '../../extension/src/figures/calibration';
import { distributionFigure } from '../../extension/src/figures/distribution';
import { equalizationFigure } from '../../extension/src/figures/equalization';
import { errorBudgetFigure, errorSplitFigure } from '../../extension/src/figures/error_budget';
import { themeFromVariables, type Figure, type PlotObject, type Theme } from '../../extension/src/figures/figure';
import { layerwiseFigure } from '../../extension/src/figures/layerwise';
import { contrast, deltaE, lab, parseColour, seenOver } from './colour';
import { calibrationView, distributionView, equalizationView, errorBudgetView, layerwiseView } from './view_fixtures';

/**
 * The variables of JupyterLab 4's two themes as getComputedStyle returns them (var() fallbacks resolved), from
 * @jupyterlab/theme-light-extension and theme-dark-extension's variables.css. The colour roles are listed too, so a
 * theme that took its series colours from them again would be caught: in both themes the accent colour is the
 * success colour.
 */
const JUPYTERLAB_THEMES: Record<string, Record<string, string>> = {
  light: {
    '--jp-layout-color0': 'white', '--jp-ui-font-color1': 'rgba(0, 0, 0, 0.87)', '--jp-ui-font-color2': 'rgba(0, 0, 0, 0.54)',
    '--jp-border-color2': '#e0e0e0', '--jp-ui-font-family': 'system-ui, -apple-system, blinkmacsystemfont, \'Segoe UI\', helvetica, arial, sans-serif',
    '--jp-brand-color1': '#1976d2', '--jp-brand-color3': '#bbdefb', '--jp-accent-color1': '#388e3c', '--jp-warn-color1': '#f57c00',
    '--jp-error-color1': '#d32f2f', '--jp-success-color1': '#388e3c', '--jp-info-color1': '#0097a7',
  },
  dark: {
    '--jp-layout-color0': '#111', '--jp-ui-font-color1': 'rgba(255, 255, 255, 0.87)', '--jp-ui-font-color2': 'rgba(255, 255, 255, 0.54)',
    '--jp-border-color2': '#424242', '--jp-ui-font-family': 'system-ui, -apple-system, blinkmacsystemfont, \'Segoe UI\', helvetica, arial, sans-serif',
    '--jp-brand-color1': '#2196f3', '--jp-brand-color3': '#bbdefb', '--jp-accent-color1': '#4caf50', '--jp-warn-color1': '#ff9800',
    '--jp-error-color1': '#f44336', '--jp-success-color1': '#4caf50', '--jp-info-color1': '#00bcd4',
  },
};

const themes = Object.entries(JUPYTERLAB_THEMES).map(([name, variables]) => [name, themeFromVariables((v) => variables[v] ?? '')] as const);

/** Colours at least this far apart in CIELAB (ΔE*76) read as different series; about 2.3 is just noticeable. */
const DISTINCT = 20;
/** WCAG's minimum contrast for graphical objects (success criterion 1.4.11). */
const READABLE = 3;

interface Series {
  readonly name: string;
  readonly colour: string;
}

const str = (v: unknown) => v as string;
const obj = (v: unknown) => v as PlotObject;

/** A trace as one series, or one per colour when its bars are coloured one by one (a flag). */
function traceSeries(trace: PlotObject): Series[] {
  const marker = obj(trace.marker ?? {});
  const line = obj(trace.line ?? {});
  const colour = marker.color ?? line.color;
  const colours = Array.isArray(colour) ? [...new Set(colour as string[])] : [str(colour)];
  return colours.map((c, i) => ({ name: colours.length === 1 ? str(trace.name) : `${str(trace.name)} #${i}`, colour: c }));
}

/** The series each panel of each figure draws, built with `theme`. */
function panels(theme: Theme): [string, Series[]][] {
  const methods = ['min/max', 'percentile 99.9', 'percentile 99.99', 'percentile 99.999', 'entropy (KL)', 'MSE', 'L2 (PyTorch)']
    .map((method, i) => ({ method, min: -4 + i * 0.1, max: 4 - i * 0.2 }));
  const calibration = { ...calibrationView(), methods };
  const histogram = calibrationHistogramFigure(calibration)({ label: 'percentile 99', range: { min: -3, max: 3 } }, theme);
  const shapes = histogram.layout.shapes as PlotObject[];
  const budget = errorBudgetView();
  const layerwise = layerwiseFigure(layerwiseView(), theme);
  const distribution = distributionFigure(distributionView(), theme);
  const equalization = equalizationFigure(equalizationView().pairs[0], theme);
  const shapeSeries = (figure: Figure, name: string) => (figure.layout.shapes as PlotObject[]).slice(0, 1)
    .map((s) => ({ name, colour: str(obj(s.line).color) }));
  return [
    ['calibration histogram', [
      ...traceSeries(histogram.data[0]),
      { name: 'selected range', colour: str(shapes[0].fillcolor) },
      ...shapes.filter((s) => s.showlegend === true).map((s) => ({ name: str(s.name), colour: str(obj(s.line).color) })),
    ]],
    ['calibration error', calibrationErrorFigure(rangeErrors(calibration, [{ label: 'a', range: { min: -1, max: 1 } }])[0], [], theme).data.flatMap(traceSeries)],
    ['error budget', errorBudgetFigure(budget, 'order', theme).data.flatMap(traceSeries)],
    ['error split', errorSplitFigure(budget.rows[0], theme).data.flatMap(traceSeries)],
    ['distribution', [...distribution.data.flatMap(traceSeries), ...shapeSeries(distribution, 'clip range')]],
    ['layerwise ranges', layerwise.data.filter((t) => t.yaxis === 'y').flatMap(traceSeries)],
    ['layerwise error', [...layerwise.data.filter((t) => t.yaxis === 'y2').flatMap(traceSeries), ...shapeSeries(layerwise, 'threshold')]],
    ...['x', 'x2'].map((x) => [`equalization ${x}`, equalization.data.filter((t) => t.xaxis === x).flatMap(traceSeries)] as [string, Series[]]),
  ];
}

test('the colour helpers agree with published values', () => {
  const white = parseColour('white').rgb;
  assert.equal(contrast(parseColour('#000').rgb, white), 21);
  // WCAG's classic example: #777777 on white falls just short of 4.5:1.
  assert.ok(Math.abs(contrast(parseColour('#777777').rgb, white) - 4.48) < 0.01);
  // CIELAB of sRGB red is (53.24, 80.09, 67.20) (Bruce Lindbloom's calculator); white is (100, 0, 0).
  lab(parseColour('rgb(255, 0, 0)').rgb).forEach((v, i) => assert.ok(Math.abs(v - [53.24, 80.09, 67.2][i]) < 0.05, `red: ${v}`));
  lab(white).forEach((v, i) => assert.ok(Math.abs(v - [100, 0, 0][i]) < 1e-3, `white: ${v}`));
  assert.deepEqual(seenOver('rgba(0, 0, 0, 0.5)', '#ffffff'), [127.5, 127.5, 127.5]);
  assert.throws(() => parseColour('hsl(0, 0%, 0%)'), /parseColour: cannot read "hsl\(0, 0%, 0%\)"/);
});

test('the theme reads the page colours from the variables and keeps the light default for an undefined one', () => {
  const [[, light], [, dark]] = themes;
  assert.deepEqual([light.background, light.text, light.grid], ['white', 'rgba(0, 0, 0, 0.87)', '#e0e0e0']);
  assert.deepEqual([dark.background, dark.text, dark.muted, dark.grid], ['#111', 'rgba(255, 255, 255, 0.87)', 'rgba(255, 255, 255, 0.54)', '#424242']);
  assert.equal(themeFromVariables((v) => (v === '--jp-layout-color0' ? ' #222 ' : '')).background, '#222');
  assert.equal(themeFromVariables(() => '').text, light.text);
});

for (const [name, theme] of themes) {
  test(`in JupyterLab's ${name} theme, the series of each figure panel have distinct colours`, () => {
    for (const [panel, series] of panels(theme)) {
      assert.ok(series.length >= 2, `${panel}: ${series.length} series`);
      series.forEach((a, i) => series.slice(i + 1).forEach((b) => {
        const d = deltaE(seenOver(a.colour, theme.background), seenOver(b.colour, theme.background));
        assert.ok(d >= DISTINCT, `${panel}: '${a.name}' (${a.colour}) and '${b.name}' (${b.colour}) are ${d.toFixed(1)} apart`);
      }));
    }
  });

  test(`in JupyterLab's ${name} theme, every data colour has a contrast of at least 3:1 with the background`, () => {
    const background = seenOver(theme.background, '#ffffff');
    for (const colour of new Set([theme.primary, theme.secondary, theme.warn, theme.error, ...theme.series])) {
      const ratio = contrast(seenOver(colour, theme.background), background);
      assert.ok(ratio >= READABLE, `${colour} on ${theme.background}: ${ratio.toFixed(2)}:1`);
    }
  });
}

test('the calibration histogram draws each series in one colour: the selected range, and each method\'s two lines', () => {
  const [, theme] = themes[0];
  const view = calibrationView();
  const { layout } = calibrationHistogramFigure(view)({ label: 'x', range: { min: -2, max: 2.5 } }, theme);
  const shapes = layout.shapes as PlotObject[];
  assert.deepEqual(shapes.slice(1, 3).map((s) => obj(s.line).color), [shapes[0].fillcolor, shapes[0].fillcolor]);
  view.methods.forEach((m, i) => {
    const lines = shapes.filter((s) => s.legendgroup === `method-${i}`);
    assert.equal(lines.length, 2, m.method);
    assert.equal(obj(lines[0].line).color, obj(lines[1].line).color, m.method);
  });
});
