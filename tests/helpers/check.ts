/**
 * The one-line op test: forward against a float64 reference, gradient against central finite
 * differences of that reference (in float64), on seeded random inputs.
 */
import * as assert from 'uvu/assert';
import { Tensor, tensor, noGrad } from '../../bindings/index.js';
import { Nd, numericGrads } from './ref.js';

/** mulberry32: a tiny seeded JS generator for test inputs (the engine's own RNG is tested separately). */
export function jsRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomNd(shape: number[], rnd: () => number, lo = -2, hi = 2): Nd {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.fround(lo + (hi - lo) * rnd());
  return new Nd(shape, v);
}

export function toTensor(x: Nd, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(x.data), { shape: x.shape, requiresGrad });
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): number {
  assert.is(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const err = Math.abs(a - e);
    const tol = atol + rtol * Math.abs(e);
    if (!(err <= tol)) assert.unreachable(`${what}: element ${i}: got ${a}, expected ${e} (|diff| ${err.toExponential(2)} > tol ${tol.toExponential(2)})`);
    worst = Math.max(worst, err / (atol + rtol * Math.abs(e)));
  }
  return worst;
}

export interface OpCase {
  name: string;
  shapes: number[][];
  engine: (xs: Tensor[]) => Tensor;
  ref: (xs: Nd[]) => Nd;
  /** Input range (default [-2, 2]); e.g. [0.5, 3] for log/sqrt. */
  range?: [number, number];
  /** Which inputs get gradients checked (default all). */
  grad?: boolean[];
  fwdTol?: [number, number];
  gradTol?: [number, number];
  seed?: number;
}

export function checkOp(c: OpCase): void {
  const rnd = jsRandom(c.seed ?? 1234);
  const [lo, hi] = c.range ?? [-2, 2];
  const nds = c.shapes.map((s) => randomNd(s, rnd, lo, hi));
  const wantGrad = c.grad ?? nds.map(() => true);
  const ts = nds.map((x, i) => toTensor(x, wantGrad[i]));
  const out = c.engine(ts);
  const expected = c.ref(nds);
  assert.equal(out.shape.slice(), expected.shape, `${c.name}: output shape`);
  const [frt, fat] = c.fwdTol ?? [1e-5, 1e-6];
  assertClose(out.data(), expected.data, `${c.name} forward`, frt, fat);
  if (!wantGrad.some(Boolean) || out.size === 0) return;
  // A random cotangent makes every output element matter to the checked gradient.
  const w = randomNd(out.shape.slice(), rnd, -1, 1);
  out.mul(toTensor(w)).sum().backward();
  const numeric = numericGrads((xs) => {
    const y = c.ref(xs);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * w.data[i];
    return s;
  }, nds);
  const [grt, gat] = c.gradTol ?? [2e-3, 2e-4];
  ts.forEach((t, i) => {
    if (!wantGrad[i]) return;
    assert.ok(t.grad, `${c.name}: input ${i} got no gradient`);
    assertClose(t.grad!.data(), numeric[i].data, `${c.name} gradient of input ${i}`, grt, gat);
  });
  noGrad(() => undefined);
}
