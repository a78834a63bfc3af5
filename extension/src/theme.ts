import { themeFromVariables, type Theme } from './figures/figure';

/** Reads the figure theme from JupyterLab's CSS variables on `element`. */
export function readTheme(element: Element = document.body): Theme {
  const style = getComputedStyle(element);
  return themeFromVariables((name) => style.getPropertyValue(name));
}
