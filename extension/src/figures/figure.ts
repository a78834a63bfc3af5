/**
 * The plotly figure shape the builders return, the theme they colour it with, and helpers they share. Plain data
 * only: no DOM and no plotly import, so node tests can run every builder.
 */

/** A plotly trace or layout: plain JSON, checked by plotly itself when drawn. */
export type PlotObject = Record<string, unknown>;

export interface Figure {
  readonly data: readonly PlotObject[];
  readonly layout: PlotObject;
}

/** Colours and font read from JupyterLab's CSS variables (see theme.ts), so plots follow the light and dark themes. */
export interface Theme {
  /** --jp-layout-color0: the plot background. */
  readonly background: string;
  /** --jp-ui-font-color1: text and axis labels. */
  readonly text: string;
  /** --jp-ui-font-color2: secondary text (ticks, annotations). */
  readonly muted: string;
  /** --jp-border-color2: grid lines. */
  readonly grid: string;
  /** --jp-ui-font-family. */
  readonly fontFamily: string;
  /** --jp-brand-color1: the main series. */
  readonly primary: string;
  /** --jp-accent-color1: the second series (quantized values, "after"). */
  readonly secondary: string;
  /** --jp-warn-color1 and --jp-error-color1: flagged values. */
  readonly warn: string;
  readonly error: string;
  /** --jp-success-color1. */
  readonly ok: string;
  /** Categorical colours for series without a meaning of their own (error sources, calibration methods). */
  readonly series: readonly string[];
}

/** JupyterLab's light theme, for tests and for variables a theme leaves undefined. */
export const LIGHT_THEME: Theme = {
  background: '#ffffff',
  text: 'rgba(0, 0, 0, 0.87)',
  muted: 'rgba(0, 0, 0, 0.54)',
  grid: '#e0e0e0',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  primary: '#1976d2',
  secondary: '#7b1fa2',
  warn: '#f57c00',
  error: '#d32f2f',
  ok: '#388e3c',
  series: ['#1976d2', '#f57c00', '#388e3c', '#7b1fa2', '#d32f2f', '#0097a7', '#5d4037'],
};

/** The layout every figure starts from: transparent-free themed background, themed font, compact margins. */
export function baseLayout(theme: Theme, height: number): PlotObject {
  return {
    height,
    autosize: true,
    margin: { l: 64, r: 24, t: 32, b: 48 },
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { family: theme.fontFamily, color: theme.text, size: 12 },
    legend: { orientation: 'h', y: 1.12, x: 0, font: { color: theme.text } },
    hoverlabel: { font: { family: theme.fontFamily } },
  };
}

/** An axis with themed grid and tick colours. */
export function axis(theme: Theme, extra: PlotObject = {}): PlotObject {
  return { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, tickfont: { color: theme.muted }, automargin: true, ...extra };
}

/**
 * Plotly renders trace names, tick labels and hover text as its own small HTML dialect (<b>, <br>, entities), so a
 * layer called "<b>x" would lose its brackets. Escaping keeps every name literal.
 */
export function plotText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A vertical line across the plot at x, on the x axis `xref`. */
export function verticalLine(x: number, color: string, dash: string, xref = 'x', yref = 'paper'): PlotObject {
  return { type: 'line', xref, yref, x0: x, x1: x, y0: 0, y1: 1, line: { color, width: 1.5, dash } };
}

/** Bin centres and widths of a histogram, for bar traces. */
export function binGeometry(edges: readonly number[]): { centers: number[]; widths: number[] } {
  const centers: number[] = [];
  const widths: number[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    centers.push((edges[i] + edges[i + 1]) / 2);
    widths.push(edges[i + 1] - edges[i]);
  }
  return { centers, widths };
}
