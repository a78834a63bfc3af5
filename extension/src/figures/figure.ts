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

/**
 * A figure's colours: the page's (background, text, grid, font) from JupyterLab's CSS variables, so plots follow the
 * light and dark themes, and the data's from `DATA_COLOURS`, the same in every theme.
 */
export interface Theme {
  /** --jp-layout-color0: the plot background. */
  readonly background: string;
  /** --jp-ui-font-color1: text and axis labels. */
  readonly text: string;
  /** --jp-ui-font-color2: secondary text (ticks, annotations), and the neutral series (an error budget's interaction). */
  readonly muted: string;
  /** --jp-border-color2: grid lines. */
  readonly grid: string;
  /** --jp-ui-font-family. */
  readonly fontFamily: string;
  /** The main series. */
  readonly primary: string;
  /** The second series (quantized values, "after", the selected range). */
  readonly secondary: string;
  /** Flagged values: a warning (clipping, a threshold) and an error. */
  readonly warn: string;
  readonly error: string;
  /** Categorical colours (error sources, calibration methods), none of them `primary` or `secondary`. */
  readonly series: readonly string[];
}

/**
 * The data colours, fixed rather than read from the theme: JupyterLab's themes give two roles one colour (the accent
 * and success colours are both green), which put two series of one figure in one colour. Each of these has a contrast
 * of at least 3:1 against both white and JupyterLab Dark's #111 background, and any two are over 30 apart in CIELAB (ΔE*76).
 * `series` holds seven colours, one per standard calibration method; `warn` and `error` are among them, as no figure
 * shows both the categorical series and a flag.
 */
const DATA_COLOURS = {
  primary: '#1f77b4',
  secondary: '#9467bd',
  warn: '#d97706',
  error: '#d62728',
  series: ['#d97706', '#2ca02c', '#d62728', '#1a9fb0', '#8c564b', '#d1629b', '#8f8f0f'],
} as const satisfies Pick<Theme, 'primary' | 'secondary' | 'warn' | 'error' | 'series'>;

/** The CSS variable each page colour of a theme is read from. */
const THEME_VARIABLES = {
  background: '--jp-layout-color0',
  text: '--jp-ui-font-color1',
  muted: '--jp-ui-font-color2',
  grid: '--jp-border-color2',
  fontFamily: '--jp-ui-font-family',
} as const;

/** JupyterLab's light theme, for tests and for variables a theme leaves undefined. */
export const LIGHT_THEME: Theme = {
  background: '#ffffff',
  text: 'rgba(0, 0, 0, 0.87)',
  muted: 'rgba(0, 0, 0, 0.54)',
  grid: '#e0e0e0',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  ...DATA_COLOURS,
};

/** The theme from CSS variables (`read` returns a variable's value, '' when undefined, which keeps the light default). */
export function themeFromVariables(read: (name: string) => string): Theme {
  const page = (key: keyof typeof THEME_VARIABLES) => read(THEME_VARIABLES[key]).trim() || LIGHT_THEME[key];
  return {
    background: page('background'), text: page('text'), muted: page('muted'), grid: page('grid'), fontFamily: page('fontFamily'),
    ...DATA_COLOURS,
  };
}

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

/**
 * An axis with themed grid and tick colours. Its margin grows to fit the tick labels (automargin), so they need no
 * check against the plot's edges: plotly's default for numeric axes ('hide past div') measures every label on every
 * redraw, about a fifth of redrawing a small figure.
 */
export function axis(theme: Theme, extra: PlotObject = {}): PlotObject {
  return {
    gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, tickfont: { color: theme.muted }, automargin: true,
    ticklabeloverflow: 'allow', ...extra,
  };
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
