/**
 * Colour arithmetic for the figure colour tests: parsing the colours figures and JupyterLab's variables use, what a
 * translucent colour looks like over a background, WCAG contrast, and CIELAB distance (ΔE*76).
 */

export type Rgb = readonly [number, number, number];

const NAMED: Record<string, Rgb> = { white: [255, 255, 255], black: [0, 0, 0] };

/** '#rgb', '#rrggbb', 'rgb(r, g, b)', 'rgba(r, g, b, a)', 'white' or 'black', as 0..255 channels and an alpha. */
export function parseColour(css: string): { rgb: Rgb; alpha: number } {
  const s = css.trim().toLowerCase();
  if (s in NAMED) return { rgb: NAMED[s], alpha: 1 };
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(s);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return { rgb: [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb, alpha: 1 };
  }
  const fn = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(s);
  if (fn) return { rgb: [Number(fn[1]), Number(fn[2]), Number(fn[3])], alpha: fn[4] === undefined ? 1 : Number(fn[4]) };
  throw new Error(`parseColour: cannot read ${JSON.stringify(css)}`);
}

/** The colour a reader sees: `css` painted over the opaque `background`. */
export function seenOver(css: string, background: string): Rgb {
  const { rgb, alpha } = parseColour(css);
  const under = parseColour(background).rgb;
  return rgb.map((c, i) => alpha * c + (1 - alpha) * under[i]) as unknown as Rgb;
}

function linear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance. */
export function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map(linear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio, 1 .. 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const [dark, light] = [luminance(a), luminance(b)].sort((x, y) => x - y);
  return (light + 0.05) / (dark + 0.05);
}

/** CIELAB (D65) of an sRGB colour. */
export function lab(rgb: Rgb): [number, number, number] {
  const [r, g, b] = rgb.map(linear);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** ΔE*76: the distance of two colours in CIELAB (about 2.3 is just noticeable). */
export function deltaE(a: Rgb, b: Rgb): number {
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
