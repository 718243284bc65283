// The data of seed 002 (PS5): rows (x_1, x_2, classification). The seed's ps5_data.csv is not
// public, so by default a data set of the same schema is drawn from the engine's seeded
// generator; `--csv FILE` reads the real one (or any file with those columns).
//
// What the seed's own plots tell about its file, and what the generator copies: two features on
// very different scales (its map spans x_1 ∈ [−6, −4] and x_2 ∈ [−900, 1035]), 0/1 labels, a
// boundary that is not a straight line, a few hundred rows (its initial loss ½Σ(y − ŷ)² ≈ 72
// with N(0, 1) weights fits about 400 training rows).
import { rand, randperm } from '../../../bindings/index.js';
import type { CsvTable } from '../../../bindings/data/csv.js';

export const PS5_COLUMNS = ['x_1', 'x_2', 'classification'];

/** Raw rows: features on their own scales, labels 0/1. */
export interface Ps5Data {
  x1: Float64Array;
  x2: Float64Array;
  label: Float64Array;
  /** Where the rows came from, for the report. */
  source: string;
}

/** The boundary of the generated data in unit coordinates u, v ∈ [−1, 1]: one wave of a sine. */
export const boundary = (u: number) => 0.6 * Math.sin(Math.PI * u);
/** Width of the fuzzy band around the boundary where labels can come out either way. */
const FUZZ = 0.06;

/**
 * n rows: x_1 = −5 + u, x_2 = 67.5 + 967.5·v with u, v uniform on [−1, 1]; class 1 with
 * probability σ((v − 0.6 sin πu) / 0.06), so a few points near the wave carry the other label.
 */
export function generatePs5(n: number): Ps5Data {
  const r = rand([n, 3]).data();
  const x1 = new Float64Array(n), x2 = new Float64Array(n), label = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 2 * r[3 * i] - 1, v = 2 * r[3 * i + 1] - 1;
    x1[i] = -5 + u;
    x2[i] = 67.5 + 967.5 * v;
    const p = 1 / (1 + Math.exp(-(v - boundary(u)) / FUZZ));
    label[i] = r[3 * i + 2] < p ? 1 : 0;
  }
  return { x1, x2, label, source: `generated: ${n} rows from the seeded generator (the seed's ps5_data.csv is not public)` };
}

export function ps5FromCsv(table: CsvTable): Ps5Data {
  const col = (j: number) => Float64Array.from(table.rows, (row) => row[j]);
  return { x1: col(0), x2: col(1), label: col(2), source: `${table.name}: ${table.rows.length} rows` };
}

/** Mean and (population, as numpy's np.std) standard deviation of the chosen rows. */
function stats(v: Float64Array, rows: ArrayLike<number>): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < rows.length; i++) m += v[rows[i]];
  m /= rows.length;
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += (v[rows[i]] - m) ** 2;
  return { mean: m, std: Math.sqrt(s / rows.length) || 1 };
}

export interface Ps5Split {
  train: number[];
  test: number[];
  /** Standardisation of each feature, from the training rows. */
  scale: { x1: { mean: number; std: number }; x2: { mean: number; std: number } };
  /** Standardised [x_1, x_2] of a point in the raw plane. */
  standardise(x1: number, x2: number): [number, number];
}

/** A random 80/20 split (the seed's train_test_split(test_size=0.2)) and the training rows' scale. */
export function splitPs5(d: Ps5Data, testFraction = 0.2): Ps5Split {
  const n = d.label.length;
  const perm = Array.from(randperm(n));
  const nTest = Math.max(1, Math.round(n * testFraction));
  const test = perm.slice(0, nTest), train = perm.slice(nTest);
  const scale = { x1: stats(d.x1, train), x2: stats(d.x2, train) };
  return {
    train, test, scale,
    standardise: (a, b) => [(a - scale.x1.mean) / scale.x1.std, (b - scale.x2.mean) / scale.x2.std],
  };
}

/** Standardised inputs [rows, 2] and labels [rows, 1] of the chosen rows, as flat float32 arrays. */
export function ps5Arrays(d: Ps5Data, s: Ps5Split, rows: number[]): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(2 * rows.length), y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    [x[2 * i], x[2 * i + 1]] = s.standardise(d.x1[r], d.x2[r]);
    y[i] = d.label[r];
  });
  return { x, y };
}
