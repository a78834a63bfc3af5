/**
 * Draws the kernel's logo at `size` x `size` pixels as RGBA: a quantization staircase (a ramp rounded to four
 * levels) in white over the continuous ramp it approximates in orange, on a dark blue rounded square.
 */
export function drawLogo(size: number): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const radius = size * 0.18;
  const levels = 4;
  const margin = size * 0.16;
  const span = size - 2 * margin;
  const stroke = Math.max(1.5, size * 0.07);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      if (!insideRoundedSquare(x + 0.5, y + 0.5, size, radius)) continue;
      let rgb: [number, number, number] = [0x1f, 0x3a, 0x5f];
      const u = (x + 0.5 - margin) / span;
      const v = 1 - (y + 0.5 - margin) / span;
      if (u >= 0 && u <= 1 && v >= -0.05 && v <= 1.05) {
        if (Math.abs(v - u) * span < stroke * 0.6) rgb = [0xf2, 0x8c, 0x28];
        const step = Math.min(levels - 1, Math.floor(u * levels)) / (levels - 1);
        if (Math.abs(v - step) * span < stroke / 2) rgb = [0xff, 0xff, 0xff];
      }
      px.set([...rgb, 0xff], i);
    }
  }
  return px;
}

function insideRoundedSquare(x: number, y: number, size: number, r: number): boolean {
  const cx = Math.min(Math.max(x, r), size - r);
  const cy = Math.min(Math.max(y, r), size - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}
