// Curves that may diverge: a learning rate that is too large gives a loss that grows without
// bound, then Infinity, then NaN. Such a run is reported as diverged and drawn up to the last
// finite point — never a crash, never a NaN in a figure or in results.json.
import type { LineSeries } from '../plot/line.js';

export interface Divergence {
  /** Number of leading points that are finite and not exploding (the part to draw). */
  finite: number;
  /** Index of the first non-finite or exploding point, or null when the curve stays sane. */
  divergedAt: number | null;
}

/**
 * Where a curve diverges: the first value that is not finite, or (with `explode`) the first
 * above `explode` × the first value.
 */
export function findDivergence(values: ArrayLike<number>, explode?: number): Divergence {
  const limit = explode !== undefined && values.length > 0 && Number.isFinite(values[0]) ? Math.abs(values[0]) * explode : Infinity;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]) || Math.abs(values[i]) > limit) return { finite: i, divergedAt: i };
  }
  return { finite: values.length, divergedAt: null };
}

export interface CurveOptions extends Omit<LineSeries, 'name' | 'x' | 'y'> {
  /** x of each value (default 1, 2, 3, ...: epochs). */
  x?: ArrayLike<number>;
  /** Treat values above explode × the first as diverged. */
  explode?: number;
  /** Says what an x step is in the legend ("epoch", "step"). Default 'epoch'. */
  unit?: string;
}

/**
 * A line series cut at the divergence point, its legend saying where (with the x of the first
 * bad value, e.g. "lr 0.3 (diverged at epoch 4)"). A run that diverged before its first point
 * gives an empty series, still in the legend.
 */
export function divergingCurve(name: string, values: ArrayLike<number>, options: CurveOptions = {}): LineSeries & { divergedAt: number | null } {
  const { x, explode, unit = 'epoch', ...style } = options;
  const d = findDivergence(values, explode);
  const xs = Array.from({ length: d.finite }, (_, i) => (x ? x[i] : i + 1));
  const at = d.divergedAt === null ? null : x ? x[d.divergedAt] : d.divergedAt + 1;
  return {
    ...style,
    name: at === null ? name : `${name} (diverged at ${unit} ${at})`,
    x: xs,
    y: Array.from({ length: d.finite }, (_, i) => values[i]),
    divergedAt: at,
  };
}
