import { parseAppliedRange, parseCalibrationEvaluation } from '../../../src/views/parse';
import type { CalibrationView } from '../../../src/views/types';
import { element, StatusLine } from '../dom';
import {
  CALIBRATION_HISTOGRAM_HEIGHT, calibrationErrorBars, calibrationErrorFigure, calibrationErrorFigureHeight,
  calibrationHistogramFigure, percentileRangeOf, rangeErrors, type LabelledRange,
} from '../figures/calibration';
import { formatNumber, formatRange } from '../figures/format';
import type { Plot } from '../plot';
import type { Host } from '../widget';
import { AccuracyLine, header, picker } from './common';

const SLIDER = 'slider';
const CURRENT = 'current';

/**
 * Calibration: the histogram with each method's range, a percentile slider and a method picker choosing the range,
 * and the expected quantization error of the choice next to every method's, recomputed in the browser from the
 * histogram on every slider move (no kernel round trip). `.quantscope-error-figure` carries the chosen range's
 * numbers in data-mse, data-clipping, data-rounding, data-sqnr-db, data-min and data-max, set before the plot redraws.
 * With the `evaluate` and `apply` actions, buttons ask the kernel for the model's accuracy with the chosen range, or
 * make it the session's range.
 */
export async function renderCalibration(view: CalibrationView, host: Host): Promise<void> {
  const status = new StatusLine();
  const accuracy = new AccuracyLine();
  const ranges = new Map<string, LabelledRange>([[CURRENT, { label: 'current', range: view.current }]]);
  view.methods.forEach((m, i) => ranges.set(`method-${i}`, { label: m.method, range: { min: m.min, max: m.max } }));
  let selected: LabelledRange = { label: 'current', range: view.current };

  const slider = element('input', {
    className: 'quantscope-percentile',
    attrs: { type: 'range', min: String(Math.max(50.01, Math.min(90, Math.floor(view.percentile)))), max: '100', step: '0.001', 'aria-label': 'percentile' },
  });
  slider.value = String(view.percentile);
  const sliderValue = element('output', { className: 'quantscope-percentile-value', text: String(view.percentile) });
  const methods = picker('quantscope-method', 'range', [
    [CURRENT, `current ${formatRange(view.current)}`],
    ...view.methods.map((m, i) => [`method-${i}`, `${m.method} ${formatRange(m)}`] as const),
    [SLIDER, 'percentile slider'],
  ], CURRENT);
  const summary = element('div', { className: 'quantscope-error-summary' });
  const histogram = element('div', { className: 'quantscope-figure quantscope-histogram' });
  const errorFigure = element('div', { className: 'quantscope-figure quantscope-error-figure' });

  // The error of every fixed range once; the chosen one on each move.
  const fixed = rangeErrors(view, [...ranges.values()]);
  const chosen = () => rangeErrors(view, [selected])[0];
  let plots: { histogram: Plot; error: Plot } | null = null;
  // A move updates the error figure at once (no frame of delay) and the histogram's shading once that frame is on
  // screen, so the error is seen a redraw sooner; the moves after it in the same frame are drawn once, on the next
  // frame, with the latest state, so a fast drag never queues redraws.
  let drawnThisFrame = false;
  let movedSince = false;
  let shadingPending = false;
  const redraw = () => {
    if (drawnThisFrame) {
      movedSince = true;
      return;
    }
    drawnThisFrame = true;
    requestAnimationFrame(() => {
      drawnThisFrame = false;
      if (movedSince) {
        movedSince = false;
        redraw();
      }
    });
    if (plots === null) return;
    const { error, histogram } = plots;
    const bars = calibrationErrorBars(chosen(), fixed);
    void error.update({ x: bars.x, hovertext: bars.hovertext }, {}, [0, 1]);
    if (shadingPending) return;
    shadingPending = true;
    // A task queued from a frame callback runs after that frame is rendered.
    requestAnimationFrame(() => setTimeout(() => {
      shadingPending = false;
      void histogram.draw();
    }, 0));
  };
  const update = () => {
    const e = chosen().error;
    Object.assign(errorFigure.dataset, {
      mse: String(e.mse), clipping: String(e.clipping), rounding: String(e.rounding), sqnrDb: String(e.sqnrDb),
      min: String(e.range.min), max: String(e.range.max),
    });
    summary.textContent = `${selected.label}: grid ${formatRange(e.range)}, scale ${formatNumber(e.scale)}; expected MSE ${formatNumber(e.mse)} = `
      + `clipping ${formatNumber(e.clipping)} + rounding ${formatNumber(e.rounding)}; SQNR ${formatNumber(e.sqnrDb)} dB`;
    redraw();
  };

  slider.addEventListener('input', () => {
    const p = Number(slider.value);
    sliderValue.textContent = String(p);
    const range = percentileRangeOf(view, p);
    if (range === null) return status.error(`The percentile slider needs uniform bins and, for an asymmetric grid, a percentile above 50 (got ${p}).`);
    selected = { label: `percentile ${p}`, range };
    methods.select.value = SLIDER;
    update();
  });
  methods.select.addEventListener('change', () => {
    const choice = ranges.get(methods.select.value);
    if (choice === undefined) return slider.dispatchEvent(new Event('input'));
    selected = choice;
    update();
  });

  const buttons: HTMLElement[] = [];
  const act = async (action: 'evaluate' | 'apply', button: HTMLButtonElement) => {
    const range = selected.range;
    button.disabled = true;
    status.info(`${action === 'evaluate' ? 'Evaluating' : 'Applying'} ${formatRange(range)}…`);
    const reply = await host.request(action, { min: range.min, max: range.max });
    button.disabled = false;
    if (!reply.ok) return status.error(reply.error);
    if (action === 'evaluate') {
      const parsed = parseCalibrationEvaluation(reply.result);
      if (!parsed.ok) return status.error(parsed.error);
      accuracy.show(parsed.value.accuracy, parsed.value.delta, `with ${view.tensor} at ${formatRange(parsed.value.range)}`);
      return status.info('');
    }
    const parsed = parseAppliedRange(reply.result);
    if (!parsed.ok) return status.error(parsed.error);
    status.info(`Applied ${formatRange(parsed.value)} to ${view.tensor}.`);
  };
  for (const action of ['evaluate', 'apply'] as const) {
    if (!view.actions.includes(action)) continue;
    const button = element('button', { className: `quantscope-button quantscope-${action}`, text: action, attrs: { type: 'button' } });
    button.addEventListener('click', () => void act(action, button));
    buttons.push(button);
  }

  host.node.append(
    header(view.title, [view.tensor, `${view.bits} bits`, view.symmetric ? 'symmetric' : 'asymmetric']),
    histogram,
    element('div', { className: 'quantscope-controls' },
      element('label', { className: 'quantscope-control' }, element('span', { text: 'percentile' }), slider, sliderValue),
      methods.node, ...buttons),
    summary, errorFigure, accuracy.node, status.node);
  update();
  const histogramFigure = calibrationHistogramFigure(view);
  // Fixed-size, contained boxes: the layout that plotly forces when it measures during a slider move's redraw stays
  // inside the figure instead of re-laying the notebook.
  Object.assign(histogram.style, { height: `${CALIBRATION_HISTOGRAM_HEIGHT}px`, contain: 'strict' });
  Object.assign(errorFigure.style, { height: `${calibrationErrorFigureHeight(1 + fixed.length)}px`, contain: 'strict' });
  plots = {
    histogram: await host.plots.add(histogram, (theme) => histogramFigure(selected, theme)),
    error: await host.plots.add(errorFigure, (theme) => calibrationErrorFigure(chosen(), fixed, theme)),
  };
}
