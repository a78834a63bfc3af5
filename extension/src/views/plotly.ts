import { errorBox } from '../dom';
import { parsePlotlyPayload, themedPlotlyLayout } from '../figures/plotly';
import type { Host } from '../widget';

/** A kernel's plotly figure (`application/vnd.plotly.v1+json`), in the theme's colours where it sets none. */
export async function renderPlotly(payload: unknown, host: Host): Promise<void> {
  const parsed = parsePlotlyPayload(payload);
  if (!parsed.ok) {
    host.node.append(errorBox(parsed.error));
    return;
  }
  const { data, layout, config } = parsed.figure;
  const figure = document.createElement('div');
  figure.className = 'quantscope-figure';
  host.node.append(figure);
  await host.plots.add(figure, (theme) => ({ data, layout: themedPlotlyLayout(layout, theme) }), undefined, config);
}
