// Scales, ticks and the framed x/y plot area that the line, scatter and contour charts share.
import { scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3-scale';
import { type Box, type Ctx2D, font, inset, theme } from './types.js';
import { type LegendEntry, type LegendPosition, cornerPosition, drawLegend, emptiestCorner, legendSize } from './legend.js';

export type ScaleKind = 'linear' | 'log';
export type Scale = ScaleContinuousNumeric<number, number>;

export interface AxisSpec {
  label?: string;
  scale?: ScaleKind;
  /** Fixed range; otherwise the data's extent, rounded outwards to nice ticks. */
  domain?: [number, number];
  /** Fixed ticks instead of computed ones (categories of a bar chart). */
  ticks?: Tick[];
}

export function makeScale(kind: ScaleKind, domain: [number, number], range: [number, number]): Scale {
  return kind === 'log' ? scaleLog().domain(domain).range(range) : scaleLinear().domain(domain).range(range);
}

/** Extent of the usable values (finite, and positive on a log axis), padded and made nice. */
export function dataDomain(values: Iterable<number>, kind: ScaleKind, pad = 0.04): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (kind === 'log' && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return kind === 'log' ? [1, 10] : [0, 1];
  if (kind === 'log') {
    if (lo === hi) return [lo / 10, hi * 10];
    return scaleLog().domain([lo, hi]).nice().domain() as [number, number];
  }
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const p = (hi - lo) * pad;
  return scaleLinear().domain([lo - p, hi + p]).nice().domain() as [number, number];
}

/** Whether a value can be placed on an axis of this kind (log axes drop zeros and negatives). */
export function usable(v: number, kind: ScaleKind | undefined): boolean {
  return Number.isFinite(v) && (kind !== 'log' || v > 0);
}

export interface Tick {
  value: number;
  label: string | null;
}

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻',
};

export function powerOfTen(exp: number): string {
  return '10' + String(exp).split('').map((c) => SUPERSCRIPT[c] ?? c).join('');
}

export function ticks(scale: Scale, kind: ScaleKind, count: number): Tick[] {
  if (kind === 'linear') {
    const fmt = scale.tickFormat(count);
    return scale.ticks(count).map((v) => ({ value: v, label: fmt(v) }));
  }
  const all = scale.ticks(count);
  const decades = all.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  if (decades.length < 2) {
    // Under two decades: d3's log tick format blanks the ticks that would crowd.
    const fmt = scale.tickFormat(count, '~g');
    return all.map((v) => ({ value: v, label: fmt(v) || null }));
  }
  // Many decades: label every k-th power of ten so the labels do not collide.
  const every = Math.max(1, Math.ceil(decades.length / count));
  const labelled = new Set(decades.filter((_, i) => i % every === 0));
  const minor = all.length > 60 ? decades : all;
  return minor.map((v) => ({ value: v, label: labelled.has(v) ? powerOfTen(Math.round(Math.log10(v))) : null }));
}

export interface XYSpec {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  legend?: LegendEntry[];
  legendPosition?: LegendPosition;
  /** Pixels kept free right of the plot area (for a colour bar). */
  rightReserve?: number;
  grid?: boolean;
}

export interface XYFrame {
  area: Box;
  sx: Scale;
  sy: Scale;
  /** The strip reserved by `rightReserve`, right of the plot area. */
  right: Box;
}

/**
 * Lays out and draws one framed x/y plot: background, title, grid, then `drawData` clipped
 * to the plot area, then axes, ticks, labels and legend on top. `occupied` gives the data in
 * canvas pixels for a candidate frame, which is how the legend finds an empty corner.
 */
export function plotXY(
  ctx: Ctx2D,
  box: Box,
  spec: XYSpec,
  xDomain: [number, number],
  yDomain: [number, number],
  occupied: (frame: XYFrame) => Array<[number, number]>,
  drawData: (frame: XYFrame) => void,
): XYFrame {
  const xKind = spec.x.scale ?? 'linear';
  const yKind = spec.y.scale ?? 'linear';
  const tickCountX = Math.max(2, Math.round(box.w / 110));
  const tickCountY = Math.max(2, Math.round(box.h / 70));

  // Tick labels of y decide the left margin, so measure them before laying out.
  const yTicksProbe = ticks(makeScale(yKind, yDomain, [0, 1]), yKind, tickCountY);
  ctx.font = font(theme.tickSize);
  const yTickW = Math.max(0, ...yTicksProbe.map((t) => (t.label ? ctx.measureText(t.label).width : 0)));
  const top = theme.titleSize + 22;
  const left = 14 + (spec.y.label ? theme.labelSize + 10 : 0) + yTickW + 8;
  const bottom = 14 + theme.tickSize + 8 + (spec.x.label ? theme.labelSize + 10 : 0);
  const reserve = spec.rightReserve ?? 0;
  const entries = spec.legend ?? [];
  const position = entries.length === 0 ? 'none' : spec.legendPosition ?? 'auto';
  const lsize = entries.length ? legendSize(ctx, entries) : { w: 0, h: 0 };

  const frameFor = (rightExtra: number): XYFrame => {
    const area = inset(box, top, 18 + reserve + rightExtra, bottom, left);
    return {
      area,
      sx: makeScale(xKind, xDomain, [area.x, area.x + area.w]),
      sy: makeScale(yKind, yDomain, [area.y + area.h, area.y]),
      right: { x: area.x + area.w + 8, y: area.y, w: reserve, h: area.h },
    };
  };
  let frame = frameFor(0);
  let legendAt: { x: number; y: number } | null = null;
  if (position === 'auto') {
    legendAt = emptiestCorner(frame.area, lsize, occupied(frame));
  } else if (position !== 'outside' && position !== 'none') {
    legendAt = cornerPosition(position, frame.area, lsize);
  }
  if (position !== 'none' && legendAt === null) {
    frame = frameFor(lsize.w + 12);
    legendAt = { x: frame.area.x + frame.area.w + 12 + (reserve ? reserve + 8 : 0), y: frame.area.y };
  }
  const { area, sx, sy } = frame;

  ctx.save();
  ctx.fillStyle = theme.background;
  ctx.fillRect(box.x, box.y, box.w, box.h);
  const xt = spec.x.ticks ?? ticks(sx, xKind, tickCountX);
  const yt = spec.y.ticks ?? ticks(sy, yKind, tickCountY);
  if (spec.grid !== false) {
    ctx.strokeStyle = theme.grid;
    ctx.lineWidth = 1;
    if (!spec.x.ticks) for (const t of xt) if (t.label !== null) vline(ctx, snap(sx(t.value)), area.y, area.y + area.h);
    for (const t of yt) if (t.label !== null) hline(ctx, snap(sy(t.value)), area.x, area.x + area.w);
  }
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(area.x, area.y, area.w, area.h);
  ctx.clip();
  drawData(frame);
  ctx.restore();

  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(snap(area.x), snap(area.y), Math.round(area.w), Math.round(area.h));
  ctx.fillStyle = theme.text;
  ctx.font = font(theme.tickSize);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xt) {
    const px = snap(sx(t.value));
    if (px < area.x - 1 || px > area.x + area.w + 1) continue;
    vline(ctx, px, area.y + area.h, area.y + area.h + (t.label === null ? 3 : 6));
    if (t.label !== null) ctx.fillText(t.label, px, area.y + area.h + 8);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yt) {
    const py = snap(sy(t.value));
    if (py < area.y - 1 || py > area.y + area.h + 1) continue;
    hline(ctx, py, area.x - (t.label === null ? 3 : 6), area.x);
    if (t.label !== null) ctx.fillText(t.label, area.x - 8, py);
  }
  ctx.font = font(theme.labelSize);
  if (spec.x.label) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(spec.x.label, area.x + area.w / 2, box.y + box.h - 8);
  }
  if (spec.y.label) {
    ctx.save();
    ctx.translate(box.x + 10, area.y + area.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(spec.y.label, 0, 0);
    ctx.restore();
  }
  drawTitle(ctx, spec.title, box, area.x + area.w / 2);
  ctx.restore();
  if (legendAt) drawLegend(ctx, entries, legendAt.x, legendAt.y);
  return frame;
}

/** A blank white box with the title on top: how the charts without x/y axes start. */
export function blankWithTitle(ctx: Ctx2D, box: Box, title: string, size = theme.titleSize): void {
  ctx.fillStyle = theme.background;
  ctx.fillRect(box.x, box.y, box.w, box.h);
  drawTitle(ctx, title, box, box.x + box.w / 2, size);
}

export function drawTitle(ctx: Ctx2D, title: string, box: Box, cx = box.x + box.w / 2, size = theme.titleSize): void {
  if (!title) return;
  ctx.save();
  ctx.fillStyle = theme.text;
  ctx.font = font(size, 'bold');
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  // centred over the plot, but moved inwards where that would cut it at the figure's edge (a long
  // title over a plot narrowed by a legend outside it)
  const half = ctx.measureText(title).width / 2, margin = 8;
  const x = Math.min(Math.max(cx, box.x + margin + half), box.x + box.w - margin - half);
  ctx.fillText(title, half * 2 + 2 * margin > box.w ? box.x + box.w / 2 : x, box.y + 10);
  ctx.restore();
}

/** Half-pixel alignment keeps 1 px lines crisp instead of smeared over two pixels. */
export function snap(v: number): number {
  return Math.round(v) + 0.5;
}

function vline(ctx: Ctx2D, x: number, y0: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x, y0);
  ctx.lineTo(x, y1);
  ctx.stroke();
}

function hline(ctx: Ctx2D, y: number, x0: number, x1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y);
  ctx.lineTo(x1, y);
  ctx.stroke();
}
