import type { Figure, PlotObject, Theme } from './figure';

/** A figure as `application/vnd.plotly.v1+json` carries it, with the plotly config it may add. */
export interface PlotlyPayload extends Figure {
  readonly config: PlotObject;
}

function isObject(v: unknown): v is PlotObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a plotly MIME payload (an object or its JSON text): `data` an array of trace objects, `layout` and
 * `config` objects when present. Plotly checks the traces themselves. The error names the field.
 */
export function parsePlotlyPayload(payload: unknown): { ok: true; figure: PlotlyPayload } | { ok: false; error: string } {
  let value = payload;
  if (typeof payload === 'string') {
    try {
      value = JSON.parse(payload);
    } catch (err) {
      return { ok: false, error: `plotly figure: the payload is not valid JSON (${(err as Error).message})` };
    }
  }
  if (!isObject(value)) return { ok: false, error: 'plotly figure: the payload is not an object { data, layout }' };
  const { data, layout = {}, config = {} } = value;
  if (!Array.isArray(data)) return { ok: false, error: 'plotly figure: data is not an array of traces' };
  const bad = data.findIndex((t) => !isObject(t));
  if (bad >= 0) return { ok: false, error: `plotly figure: data[${bad}] is not a trace object` };
  if (!isObject(layout)) return { ok: false, error: 'plotly figure: layout is not an object' };
  if (!isObject(config)) return { ok: false, error: 'plotly figure: config is not an object' };
  return { ok: true, figure: { data: data as PlotObject[], layout, config } };
}

/**
 * The figure's layout with the theme's colours and font wherever the figure sets none, so a kernel's figure reads
 * on a dark theme, and a height of 420 px when it sets none (an output area gives a plot no height of its own);
 * what the figure sets itself wins.
 */
export function themedPlotlyLayout(layout: PlotObject, theme: Theme): PlotObject {
  const font = isObject(layout.font) ? layout.font : {};
  const axisDefaults = { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid };
  const themed: PlotObject = {
    height: 420,
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    ...layout,
    font: { family: theme.fontFamily, color: theme.text, ...font },
  };
  for (const [key, value] of Object.entries(layout)) {
    if (/^[xy]axis\d*$/.test(key) && isObject(value)) themed[key] = { ...axisDefaults, ...value };
  }
  for (const key of ['xaxis', 'yaxis']) if (!(key in layout)) themed[key] = axisDefaults;
  return themed;
}
