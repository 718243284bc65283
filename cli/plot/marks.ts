// Small marks shared by the charts: point markers and polylines that survive NaN and huge values.
import { type Ctx2D, type Marker } from './types.js';

export function drawMarker(ctx: Ctx2D, marker: Marker, x: number, y: number, r: number, color: string, stroke?: string): void {
  if (marker === 'none') return;
  ctx.beginPath();
  switch (marker) {
    case 'circle':
      ctx.arc(x, y, r, 0, Math.PI * 2);
      break;
    case 'square':
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case 'triangle':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.3);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r * 1.3);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      break;
    case 'cross':
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r);
      ctx.lineTo(x - r, y + r);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.stroke();
      return;
  }
  ctx.fillStyle = color;
  ctx.fill();
  if (stroke) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}

// Canvas backends misbehave on coordinates like 1e30 (a diverged loss); anything this far out
// is off the plot anyway, and the clip region hides the clamped end.
const FAR = 1e6;
const clampPx = (v: number) => Math.max(-FAR, Math.min(FAR, v));

/** Strokes a polyline, lifting the pen over points that are not finite (gaps, not zeros). */
export function strokePolyline(ctx: Ctx2D, px: ArrayLike<number>, py: ArrayLike<number>): void {
  ctx.beginPath();
  let down = false;
  for (let i = 0; i < px.length; i++) {
    const x = px[i];
    const y = py[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      down = false;
      continue;
    }
    if (down) ctx.lineTo(clampPx(x), clampPx(y));
    else ctx.moveTo(clampPx(x), clampPx(y));
    down = true;
  }
  ctx.stroke();
}

/**
 * Points along polylines at most `step` pixels apart, so a legend-placement test sees the
 * segments between sparse data points (a 10-epoch curve still crosses corners).
 */
export function densify(px: ArrayLike<number>, py: ArrayLike<number>, step = 6, cap = 4000): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const stride = Math.max(1, Math.floor(px.length / cap));
  let prev: [number, number] | null = null;
  for (let i = 0; i < px.length; i += stride) {
    const p: [number, number] = [px[i], py[i]];
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      prev = null;
      continue;
    }
    if (prev) {
      const n = Math.min(200, Math.ceil(Math.hypot(p[0] - prev[0], p[1] - prev[1]) / step));
      for (let k = 1; k < n; k++) out.push([prev[0] + ((p[0] - prev[0]) * k) / n, prev[1] + ((p[1] - prev[1]) * k) / n]);
    }
    out.push(p);
    prev = p;
  }
  return out;
}
