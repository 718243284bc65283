// A function's contour with optimiser paths on top, the figure of every "minimise f(x, y)"
// homework: sample f on a grid, log-spaced filled levels (losses span decades), trajectories
// thinned to what a figure can show, start and end marked, known minima labelled.
import { type Grid, type Trajectory, contourChart, contourLevels, sampleGrid } from '../plot/contour.js';
import type { LegendPosition } from '../plot/legend.js';
import type { Chart } from '../plot/types.js';

export interface ContourWithTrajectoriesSpec {
  title: string;
  f: (x: number, y: number) => number;
  x: [number, number];
  y: [number, number];
  xLabel?: string;
  yLabel?: string;
  /** Samples per axis (default 241). */
  samples?: number;
  /** Explicit level boundaries, or a count of log-spaced (default 16) bands. */
  levels?: number | number[];
  /** Log-spaced automatic levels (default true). */
  log?: boolean;
  trajectories?: Trajectory[];
  /** Labelled points, e.g. the minima. */
  marks?: Array<{ x: number; y: number; label?: string }>;
  /** Colour-bar label (default 'f(x, y)'). */
  colorbar?: string;
  legend?: LegendPosition;
  width?: number;
  height?: number;
}

/** The sampled grid is cached by the caller's function object and domain, for panels of one function. */
const grids = new WeakMap<(x: number, y: number) => number, Map<string, Grid>>();

export function contourWithTrajectories(spec: ContourWithTrajectoriesSpec): Chart {
  const samples = spec.samples ?? 241;
  const key = `${spec.x}|${spec.y}|${samples}`;
  let byDomain = grids.get(spec.f);
  if (!byDomain) grids.set(spec.f, (byDomain = new Map()));
  let grid = byDomain.get(key);
  if (!grid) byDomain.set(key, (grid = sampleGrid(spec.f, spec.x, spec.y, samples)));
  const log = spec.log ?? true;
  const levels = Array.isArray(spec.levels) ? spec.levels : contourLevels(grid.values, spec.levels ?? 16, log);
  return contourChart({
    title: spec.title, grid, levels, colormap: 'viridis', colorbar: spec.colorbar ?? 'f(x, y)', fillOpacity: 0.85,
    x: { label: spec.xLabel ?? 'x', domain: spec.x }, y: { label: spec.yLabel ?? 'y', domain: spec.y },
    trajectories: spec.trajectories, marks: spec.marks, legend: spec.legend, width: spec.width, height: spec.height,
  });
}

/**
 * A path of many steps cut to about `max` points: every one of the first `head` steps (they
 * move far), then evenly spaced ones, then the last finite point. A path that stops being
 * finite ends where it was last finite, and its name says from which step it diverged.
 */
export function thinTrajectory(name: string, xs: ArrayLike<number>, ys: ArrayLike<number>, options: { max?: number; head?: number; color?: string } = {}): Trajectory & { divergedAt: number | null } {
  const n = Math.min(xs.length, ys.length);
  let end = n - 1;
  let divergedAt: number | null = null;
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(xs[k]) || !Number.isFinite(ys[k])) {
      divergedAt = k;
      end = k - 1;
      break;
    }
  }
  const head = options.head ?? 200;
  const every = Math.max(1, Math.floor(n / (options.max ?? 4000)));
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k <= end; k += k < head ? 1 : every) {
    x.push(xs[k]);
    y.push(ys[k]);
  }
  if (end >= 0 && x.length && (x[x.length - 1] !== xs[end] || y[y.length - 1] !== ys[end])) {
    x.push(xs[end]);
    y.push(ys[end]);
  }
  return { name: divergedAt === null ? name : `${name}, diverges at step ${divergedAt}`, x, y, color: options.color, divergedAt };
}
