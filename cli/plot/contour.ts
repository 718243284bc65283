// Contour plot of a sampled function (filled bands and/or level lines, colour bar), with
// optional overlays: optimizer trajectories, labelled points and classified data points.
import { contours } from 'd3-contour';
import { type AxisSpec, type XYFrame, plotXY } from './axes.js';
import { type ColorMap, type ColorMapName, colorMap, drawColorBar, formatLevel } from './colorbar.js';
import { type LegendEntry, type LegendPosition } from './legend.js';
import { densify, drawMarker, strokePolyline } from './marks.js';
import { type ScatterClass, drawPoints, scatterLegend } from './scatter.js';
import { type Chart, type Ctx2D, color, font, theme, xyData } from './types.js';

/** Samples on a regular grid: values[j * nx + i] is f(x[0] + i·dx, y[0] + j·dy). */
export interface Grid {
  x: [number, number];
  y: [number, number];
  nx: number;
  ny: number;
  values: ArrayLike<number>;
}

export function sampleGrid(f: (x: number, y: number) => number, x: [number, number], y: [number, number], nx = 201, ny = nx): Grid {
  const values = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    const yv = y[0] + ((y[1] - y[0]) * j) / (ny - 1);
    for (let i = 0; i < nx; i++) values[j * nx + i] = f(x[0] + ((x[1] - x[0]) * i) / (nx - 1), yv);
  }
  return { x, y, nx, ny, values };
}

export interface Trajectory {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
}

export interface ContourChartSpec {
  title: string;
  x?: Omit<AxisSpec, 'scale'>;
  y?: Omit<AxisSpec, 'scale'>;
  grid: Grid;
  /** Number of bands (default 14) or the explicit level boundaries, ascending. */
  levels?: number | number[];
  /** Space the levels geometrically, for functions spanning decades (losses). */
  logLevels?: boolean;
  mode?: 'filled' | 'lines' | 'both';
  colormap?: ColorMapName | ColorMap;
  /** Colour bar label; false hides the bar. */
  colorbar?: string | false;
  /** Opacity of the filled bands, lowered so trajectories drawn on top stand out. */
  fillOpacity?: number;
  trajectories?: Trajectory[];
  points?: ScatterClass[];
  marks?: Array<{ x: number; y: number; label?: string }>;
  legend?: LegendPosition;
  width?: number;
  height?: number;
}

export function contourLevels(values: ArrayLike<number>, levels: number | number[] = 14, log = false): number[] {
  if (Array.isArray(levels)) return levels;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo < hi)) return [lo, lo + 1];
  const out: number[] = [];
  for (let k = 0; k <= levels; k++) {
    out.push(log ? lo * Math.pow(hi / lo, k / levels) : lo + ((hi - lo) * k) / levels);
  }
  return out;
}

export function contourChart(spec: ContourChartSpec): Chart {
  const g = spec.grid;
  const levels = contourLevels(g.values, spec.levels, spec.logLevels);
  const cmap = colorMap(spec.colormap);
  const bands = levels.length - 1;
  const bandColors = Array.from({ length: bands }, (_, i) => cmap(bands === 1 ? 0.5 : i / (bands - 1)));
  const mode = spec.mode ?? 'filled';
  const trajectories = spec.trajectories ?? [];
  const showBar = spec.colorbar !== false && mode !== 'lines';
  return {
    width: spec.width ?? 760,
    height: spec.height ?? 600,
    title: spec.title,
    // The grid itself can be 40k numbers: keep the levels and overlays, which the figure is about.
    data: {
      levels,
      trajectories: xyData(trajectories),
      ...(spec.marks ? { marks: spec.marks } : {}),
    },
    draw(ctx, box) {
      const legend: LegendEntry[] = trajectories.map((t, i) => ({ label: t.name, color: color(i, t.color) }));
      if (trajectories.length) {
        legend.push({ label: 'start', color: '#222222', kind: 'marker', marker: 'circle' });
        legend.push({ label: 'end', color: '#222222', kind: 'marker', marker: 'cross' });
      }
      if (spec.points) legend.push(...scatterLegend(spec.points));
      ctx.font = font(theme.tickSize - 1);
      const barReserve = showBar ? 30 + Math.max(...levels.map((v) => ctx.measureText(formatLevel(v)).width)) + (spec.colorbar ? 18 : 0) : 0;
      const xSpec: AxisSpec = { ...spec.x, domain: spec.x?.domain ?? g.x };
      const ySpec: AxisSpec = { ...spec.y, domain: spec.y?.domain ?? g.y };
      const frame = plotXY(
        ctx,
        box,
        { title: spec.title, x: xSpec, y: ySpec, legend, legendPosition: spec.legend, rightReserve: barReserve, grid: false },
        xSpec.domain!,
        ySpec.domain!,
        (f) => [
          ...trajectories.flatMap((t) => densify(project(f, t.x, 'x'), project(f, t.y, 'y'))),
          ...(spec.marks ?? []).map((m): [number, number] => [f.sx(m.x), f.sy(m.y)]),
          ...(spec.points ?? []).flatMap((c) => densify(project(f, c.x, 'x'), project(f, c.y, 'y'), 1e9)),
        ],
        (f) => {
          drawField(ctx, f, g, levels, bandColors, mode, spec.fillOpacity ?? 1);
          if (spec.points) drawPoints(ctx, f, spec.points, xSpec, ySpec);
          for (const m of spec.marks ?? []) {
            drawMarker(ctx, 'diamond', f.sx(m.x), f.sy(m.y), 5, '#ffffff', '#222222');
            if (m.label) {
              ctx.font = font(theme.tickSize - 1);
              ctx.textAlign = 'left';
              ctx.textBaseline = 'bottom';
              // Dark text on a white halo reads on any band and on the white of line mode.
              ctx.strokeStyle = 'rgba(255,255,255,0.85)';
              ctx.lineWidth = 3;
              ctx.lineJoin = 'round';
              ctx.strokeText(m.label, f.sx(m.x) + 6, f.sy(m.y) - 4);
              ctx.fillStyle = theme.text;
              ctx.fillText(m.label, f.sx(m.x) + 6, f.sy(m.y) - 4);
            }
          }
          // After the marks, so an end point on a known minimum stays visible.
          trajectories.forEach((t, i) => drawTrajectory(ctx, f, t, color(i, t.color)));
        },
      );
      if (showBar) drawColorBar(ctx, frame.right, levels, bandColors, spec.colorbar || undefined);
    },
  };
}

function project(f: XYFrame, v: ArrayLike<number>, axis: 'x' | 'y'): Float64Array {
  const s = axis === 'x' ? f.sx : f.sy;
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Number.isFinite(v[i]) ? s(v[i]) : NaN;
  return out;
}

function drawField(ctx: Ctx2D, f: XYFrame, g: Grid, levels: number[], colors: string[], mode: string, opacity: number): void {
  const gen = contours().size([g.nx, g.ny]);
  const values = Array.from(g.values, (v) => (Number.isFinite(v) ? v : levels[levels.length - 1]));
  const dx = (g.x[1] - g.x[0]) / (g.nx - 1);
  const dy = (g.y[1] - g.y[0]) / (g.ny - 1);
  // d3-contour puts sample i at coordinate i + 0.5 of its grid.
  const px = (c: number) => f.sx(g.x[0] + (c - 0.5) * dx);
  const py = (c: number) => f.sy(g.y[0] + (c - 0.5) * dy);
  const trace = (coords: number[][][][]) => {
    ctx.beginPath();
    for (const polygon of coords) {
      for (const ring of polygon) {
        ring.forEach(([cx, cy], k) => (k === 0 ? ctx.moveTo(px(cx), py(cy)) : ctx.lineTo(px(cx), py(cy))));
        ctx.closePath();
      }
    }
  };
  const bands = colors.length;
  ctx.save();
  if (mode !== 'lines') {
    ctx.globalAlpha = opacity;
    // Bands are nested (value ≥ level), so painting in ascending order leaves each its own colour.
    ctx.fillStyle = colors[0];
    ctx.fillRect(f.area.x, f.area.y, f.area.w, f.area.h);
    for (let i = 1; i < bands; i++) {
      const [c] = gen.thresholds([levels[i]])(values);
      ctx.fillStyle = colors[i];
      trace(c.coordinates);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  if (mode !== 'filled') {
    ctx.lineWidth = mode === 'both' ? 0.6 : 1.2;
    for (let i = 1; i < bands; i++) {
      const [c] = gen.thresholds([levels[i]])(values);
      ctx.strokeStyle = mode === 'both' ? 'rgba(255,255,255,0.6)' : colors[i];
      trace(c.coordinates);
      ctx.stroke();
    }
  }
  ctx.restore();
}

function drawTrajectory(ctx: Ctx2D, f: XYFrame, t: Trajectory, c: string): void {
  const px = project(f, t.x, 'x');
  const py = project(f, t.y, 'y');
  ctx.save();
  ctx.lineJoin = 'round';
  // A thin white casing keeps the path visible on dark and light bands alike.
  ctx.strokeStyle = 'rgba(255,255,255,0.7)';
  ctx.lineWidth = 4;
  strokePolyline(ctx, px, py);
  ctx.strokeStyle = c;
  ctx.lineWidth = 2;
  strokePolyline(ctx, px, py);
  const n = px.length;
  if (n > 0) {
    drawMarker(ctx, 'circle', px[0], py[0], 5, c, '#ffffff');
    let last = n - 1;
    while (last > 0 && !(Number.isFinite(px[last]) && Number.isFinite(py[last]))) last--;
    drawMarker(ctx, 'cross', px[last], py[last], 6, '#ffffff');
    drawMarker(ctx, 'cross', px[last], py[last], 5, c);
  }
  ctx.restore();
}
