// Colour maps and the discrete colour bar beside contour plots and heat maps.
import { interpolateBlues, interpolateMagma, interpolateViridis, interpolateGreys, interpolateRdBu } from 'd3-scale-chromatic';
import { type Box, type Ctx2D, font, theme } from './types.js';

export type ColorMapName = 'viridis' | 'magma' | 'blues' | 'greys' | 'rdbu';
export type ColorMap = (t: number) => string;

const MAPS: Record<ColorMapName, ColorMap> = {
  viridis: interpolateViridis,
  magma: interpolateMagma,
  blues: interpolateBlues,
  greys: (t) => interpolateGreys(1 - t), // dark = high reads wrong for images; white = high
  rdbu: (t) => interpolateRdBu(1 - t), // blue low, red high, as in most papers
};

export function colorMap(m: ColorMapName | ColorMap | undefined, fallback: ColorMapName = 'viridis'): ColorMap {
  return typeof m === 'function' ? m : MAPS[m ?? fallback];
}

/** Short labels for level values that may span many decades. */
export function formatLevel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
  return String(Number(v.toPrecision(3)));
}

/**
 * A vertical bar of equal-height bands, one per interval between consecutive `levels`,
 * coloured `colors[i]`, with the level values as ticks (thinned to fit).
 */
export function drawColorBar(ctx: Ctx2D, box: Box, levels: number[], colors: string[], label?: string): void {
  const barW = 16;
  const n = colors.length;
  if (n === 0) return;
  const bandH = box.h / n;
  ctx.save();
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = colors[i];
    // Bands overlap by a pixel so no hairline of background shows between them.
    ctx.fillRect(box.x, box.y + box.h - (i + 1) * bandH, barW, bandH + 1);
  }
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(box.x) + 0.5, Math.round(box.y) + 0.5, barW, Math.round(box.h));
  ctx.fillStyle = theme.text;
  ctx.font = font(theme.tickSize - 1);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const every = Math.max(1, Math.ceil((levels.length * (theme.tickSize + 4)) / box.h));
  let labelW = 0;
  for (let i = 0; i < levels.length; i += every) {
    const y = box.y + box.h - i * bandH;
    const text = formatLevel(levels[i]);
    labelW = Math.max(labelW, ctx.measureText(text).width);
    ctx.beginPath();
    ctx.moveTo(box.x + barW, y);
    ctx.lineTo(box.x + barW + 4, y);
    ctx.stroke();
    ctx.fillText(text, box.x + barW + 6, y);
  }
  if (label) {
    ctx.font = font(theme.tickSize);
    ctx.translate(box.x + barW + 12 + labelW + 4, box.y + box.h / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(label, 0, 0);
  }
  ctx.restore();
}
