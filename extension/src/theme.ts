import { LIGHT_THEME, type Theme } from './figures/figure';

/** Reads the figure theme from JupyterLab's CSS variables on `element`; a variable left undefined keeps the light default. */
export function readTheme(element: Element = document.body): Theme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const primary = read('--jp-brand-color1', LIGHT_THEME.primary);
  const secondary = read('--jp-accent-color1', LIGHT_THEME.secondary);
  const warn = read('--jp-warn-color1', LIGHT_THEME.warn);
  const error = read('--jp-error-color1', LIGHT_THEME.error);
  const ok = read('--jp-success-color1', LIGHT_THEME.ok);
  const info = read('--jp-info-color1', LIGHT_THEME.series[5]);
  return {
    background: read('--jp-layout-color0', LIGHT_THEME.background),
    text: read('--jp-ui-font-color1', LIGHT_THEME.text),
    muted: read('--jp-ui-font-color2', LIGHT_THEME.muted),
    grid: read('--jp-border-color2', LIGHT_THEME.grid),
    fontFamily: read('--jp-ui-font-family', LIGHT_THEME.fontFamily),
    primary, secondary, warn, error, ok,
    series: [primary, warn, ok, secondary, error, info, read('--jp-brand-color3', LIGHT_THEME.series[6])],
  };
}
