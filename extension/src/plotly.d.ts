/** The part of plotly.js's API the extension calls (the dist bundles ship no types). */
declare module 'plotly.js-basic-dist-min' {
  export interface PlotlyPoint {
    readonly customdata?: unknown;
    readonly pointNumber: number;
    readonly curveNumber: number;
  }
  export interface PlotlyElement extends HTMLElement {
    on(event: 'plotly_click', handler: (event: { readonly points: readonly PlotlyPoint[] }) => void): void;
    removeAllListeners?(event: string): void;
  }
  export function react(root: HTMLElement, data: readonly object[], layout: object, config: object): Promise<PlotlyElement>;
  export function update(root: HTMLElement, data: object, layout: object, traces?: readonly number[]): Promise<PlotlyElement>;
  export function purge(root: HTMLElement): void;
  export const Plots: { resize(root: HTMLElement): Promise<void> | void };
}
