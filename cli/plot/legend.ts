// Legends, and where to put them: inside the plot in the corner that hides no data, or outside
// on the right when every corner is taken.
import { type Box, type Ctx2D, type Marker, font, theme } from './types.js';
import { drawMarker } from './marks.js';

export interface LegendEntry {
  label: string;
  color: string;
  /** How the swatch looks: a line (optionally dashed, with a marker), a marker alone, or a patch. */
  kind?: 'line' | 'marker' | 'patch';
  dash?: number[];
  marker?: Marker;
}

export type LegendPosition = 'auto' | 'outside' | 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'center-right' | 'center-left' | 'none';

const SWATCH = 26;
const PAD = 8;

export function legendSize(ctx: Ctx2D, entries: LegendEntry[]): { w: number; h: number } {
  ctx.font = font(theme.legendSize);
  const textW = Math.max(0, ...entries.map((e) => ctx.measureText(e.label).width));
  return { w: PAD * 2 + SWATCH + 6 + textW, h: PAD * 2 + entries.length * lineHeight() - 4 };
}

function lineHeight(): number {
  return theme.legendSize + 7;
}

export function drawLegend(ctx: Ctx2D, entries: LegendEntry[], x: number, y: number): void {
  const { w, h } = legendSize(ctx, entries);
  ctx.save();
  ctx.globalAlpha = 0.92;
  ctx.fillStyle = theme.background;
  ctx.fillRect(x, y, w, h);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = '#bbbbbb';
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  ctx.font = font(theme.legendSize);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  entries.forEach((e, i) => {
    const cy = y + PAD + i * lineHeight() + theme.legendSize / 2 + 1;
    const sx = x + PAD;
    const kind = e.kind ?? 'line';
    if (kind === 'patch') {
      ctx.fillStyle = e.color;
      ctx.fillRect(sx + 4, cy - 6, SWATCH - 8, 12);
    } else {
      if (kind === 'line') {
        ctx.strokeStyle = e.color;
        ctx.lineWidth = 2;
        ctx.setLineDash(e.dash ?? []);
        ctx.beginPath();
        ctx.moveTo(sx, cy);
        ctx.lineTo(sx + SWATCH, cy);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (e.marker && e.marker !== 'none') drawMarker(ctx, e.marker, sx + SWATCH / 2, cy, 4, e.color);
      else if (kind === 'marker') drawMarker(ctx, 'circle', sx + SWATCH / 2, cy, 4, e.color);
    }
    ctx.fillStyle = theme.text;
    ctx.fillText(e.label, sx + SWATCH + 6, cy);
  });
  ctx.restore();
}

/**
 * The inside corner whose legend rectangle covers the fewest data pixels, or null when each
 * covers some (then the caller makes room outside). `points` are in canvas pixels.
 */
export function emptiestCorner(
  area: Box,
  size: { w: number; h: number },
  points: Array<[number, number]>,
): { x: number; y: number } | null {
  const m = 8;
  // Matplotlib's order of preference, so ties land where readers expect the legend.
  const corners = [
    { x: area.x + area.w - size.w - m, y: area.y + m },
    { x: area.x + m, y: area.y + m },
    { x: area.x + area.w - size.w - m, y: area.y + area.h - size.h - m },
    { x: area.x + m, y: area.y + area.h - size.h - m },
  ];
  if (size.w + 2 * m > area.w || size.h + 2 * m > area.h) return null;
  for (const c of corners) {
    const hit = points.some(([px, py]) => px >= c.x - 4 && px <= c.x + size.w + 4 && py >= c.y - 4 && py <= c.y + size.h + 4);
    if (!hit) return c;
  }
  return null;
}

export function cornerPosition(pos: LegendPosition, area: Box, size: { w: number; h: number }): { x: number; y: number } {
  const m = 8;
  const right = pos.endsWith('right');
  const top = pos.startsWith('top');
  // center-*: halfway up, for curves that keep to the top and bottom of the plot
  const middle = pos.startsWith('center');
  return {
    x: right ? area.x + area.w - size.w - m : area.x + m,
    y: middle ? area.y + (area.h - size.h) / 2 : top ? area.y + m : area.y + area.h - size.h - m,
  };
}
