import type { PlotlyPoint } from 'plotly.js-basic-dist-min';
import { errorBox } from './dom';
import type { Figure, PlotObject, Theme } from './figures/figure';

type Plotly = typeof import('plotly.js-basic-dist-min');

let plotly: Promise<Plotly> | null = null;

/** plotly.js, loaded once on first use: it is a separate chunk, so JupyterLab starts without it. */
function loadPlotly(): Promise<Plotly> {
  plotly ??= import(/* webpackChunkName: "plotly" */ 'plotly.js-basic-dist-min').then(
    (m) => ((m as { default?: Plotly }).default ?? m) as Plotly,
    (err: unknown) => {
      plotly = null; // a failed chunk load (network, server restart) may succeed on the next plot
      throw err;
    });
  return plotly;
}

const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

/** A plot that can be redrawn: from new state (`draw`), with a new theme (`Plots.redrawAll`) or at a new size. */
export interface Plot {
  draw(): Promise<void>;
  /**
   * Changes some attributes in place (`Plotly.update`: trace attributes of `traces`, layout attributes by path such
   * as 'shapes[0].x0'), which redraws only what they touch. The change must be what the figure's builder would now
   * give for those attributes, as a theme change or resize rebuilds the whole figure from the builder.
   */
  update(data: PlotObject, layout: PlotObject, traces?: readonly number[]): Promise<void>;
}

/**
 * The plots of one widget. Each plot keeps the function that builds its figure from the current theme, so a theme
 * change redraws every plot in the new colours, and `Plotly.react` updates in place (a slider drag does not rebuild
 * the SVG).
 */
export class Plots {
  private readonly plots = new Map<HTMLElement, () => Promise<void>>();

  constructor(private readonly theme: () => Theme) {}

  /**
   * Draws `build(theme)` into `container` now and on every redraw; `onClick` gets the clicked point's customdata.
   * `config` adds to the plotly config (a kernel figure's own). A failure (plotly not loading, a bad figure) puts a
   * `.quantscope-error` box in the container instead of throwing.
   */
  async add(container: HTMLElement, build: (theme: Theme) => Figure, onClick?: (customdata: unknown, point: PlotlyPoint) => void,
    config: PlotObject = {}): Promise<Plot> {
    let clickBound = false;
    // The rest of the view (tables, controls) stays usable; the plot says why it is missing.
    const failed = (err: unknown) => container.replaceChildren(errorBox(`Drawing the plot failed: ${err instanceof Error ? err.message : String(err)}`));
    const draw = async () => {
      try {
        const Plotly = await loadPlotly();
        const figure = build(this.theme());
        const el = await Plotly.react(container, figure.data, figure.layout, { ...CONFIG, ...config });
        if (onClick && !clickBound) {
          clickBound = true;
          el.on('plotly_click', (event) => {
            const point = event.points[0];
            if (point) onClick(point.customdata, point);
          });
        }
      } catch (err) {
        failed(err);
      }
    };
    const update = async (data: PlotObject, layout: PlotObject, traces?: readonly number[]) => {
      try {
        const Plotly = await loadPlotly();
        await Plotly.update(container, data, layout, traces);
      } catch (err) {
        failed(err);
      }
    };
    this.plots.set(container, draw);
    await draw();
    return { draw, update };
  }

  redrawAll(): Promise<void> {
    return Promise.all([...this.plots.values()].map((draw) => draw())).then(() => undefined);
  }

  resizeAll(): void {
    if (plotly === null) return;
    void plotly.then((Plotly) => {
      for (const container of this.plots.keys()) if (container.isConnected) void Plotly.Plots.resize(container);
    });
  }

  /** Frees plotly's listeners and the SVG of every plot. */
  clear(): void {
    const containers = [...this.plots.keys()];
    this.plots.clear();
    if (plotly !== null) void plotly.then((Plotly) => containers.forEach((c) => Plotly.purge(c)));
  }

  /** Stops redrawing one container (its element is being replaced). */
  remove(container: HTMLElement): void {
    this.plots.delete(container);
    if (plotly !== null) void plotly.then((Plotly) => Plotly.purge(container));
  }
}
