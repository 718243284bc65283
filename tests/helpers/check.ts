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
  /**
   * A float64 reference for the forward check and the finite differences. Without one, the
   * forward is checked elsewhere (a PyTorch fixture) and the gradient against finite
   * differences of the engine's own forward (float32, 4-point stencil): the check that the
   * backward rule is the derivative of the forward the engine computes.
   */
  ref?: (xs: Nd[]) => Nd;
  /** Input range (default [-2, 2]); e.g. [0.5, 3] for log/sqrt. */
  range?: [number, number];
  /** Which inputs get gradients checked (default all). */
  grad?: boolean[];
  fwdTol?: [number, number];
  gradTol?: [number, number];
  seed?: number;
}

/** The case's seeded inputs (float64 and as tensors) and the engine's output on them. */
function runCase(c: OpCase) {
  const rnd = jsRandom(c.seed ?? 1234);
  const [lo, hi] = c.range ?? [-2, 2];
  const nds = c.shapes.map((s) => randomNd(s, rnd, lo, hi));
  const wantGrad = c.grad ?? nds.map(() => true);
  const ts = nds.map((x, i) => toTensor(x, wantGrad[i]));
  return { rnd, nds, wantGrad, ts, out: c.engine(ts) };
}

export function checkOp(c: OpCase): void {
  if (!c.ref) {
    checkGradByDifferences(c);
    return;
  }
  const { rnd, nds, wantGrad, ts, out } = runCase(c);
  const ref = c.ref;
  const expected = ref(nds);
  assert.equal(out.shape.slice(), expected.shape, `${c.name}: output shape`);
  const [frt, fat] = c.fwdTol ?? [1e-5, 1e-6];
  assertClose(out.data(), expected.data, `${c.name} forward`, frt, fat);
  if (!wantGrad.some(Boolean) || out.size === 0) return;
  // A random cotangent makes every output element matter to the checked gradient.
  const w = randomNd(out.shape.slice(), rnd, -1, 1);
  out.mul(toTensor(w)).sum().backward();
  const numeric = numericGrads((xs) => {
    const y = ref(xs);
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

/**
 * The gradient of sum(engine(xs) · w) against finite differences of the engine's own float32
 * forward: (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, accumulated in float64. Its error is
 * O(h⁴) plus float32 rounding of f over h, so the default tolerance is looser than checkOp's
 * float64 references (inputs should stay away from kinks such as |x| at 0 by more than 2h).
 */
function checkGradByDifferences(c: OpCase): void {
  const { rnd, nds, wantGrad, ts, out } = runCase(c);
  if (out.size === 0) return;
  const w = randomNd(out.shape.slice(), rnd, -1, 1);
  out.mul(toTensor(w)).sum().backward();
  const analytic = ts.map((t, i) => (wantGrad[i] ? t.grad?.data() ?? null : null));
  const f = (vals: Nd[]): number => noGrad(() => {
    const inputs = vals.map((v) => toTensor(v));
    try {
      const y = c.engine(inputs).data();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * w.data[i];
      return s;
    } finally {
      inputs.forEach((t) => t.dispose());
    }
  });
  const h = 1e-2;
  const [grt, gat] = c.gradTol ?? [1e-2, 2e-3];
  nds.forEach((x, i) => {
    if (!wantGrad[i]) return;
    assert.ok(analytic[i], `${c.name}: input ${i} got no gradient`);
    const numeric = new Float64Array(x.size);
    for (let k = 0; k < x.size; k++) {
      const keep = x.data[k];
      const at = (d: number) => { x.data[k] = Math.fround(keep + d); const v = f(nds); x.data[k] = keep; return v; };
      numeric[k] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
    }
    assertClose(analytic[i]!, numeric, `${c.name} gradient of input ${i} (finite differences)`, grt, gat);
  });
}
