/**
 * The property-test harness (fast-check): a fixed seed (FC_SEED overrides it, FC_RUNS multiplies
 * the runs, for a longer hunt by hand), arbitraries for shapes, broadcasts, dims and values,
 * a float64 comparison that knows float32's range, and the check that bad input is a
 * TypeError/RangeError whose message names the op — never a wasm trap or another error.
 * Each property declares the public names it covers; tests/properties.test.ts compares them with
 * the exports.
 */
import fc from 'fast-check';
import { Tensor, tensor } from '../../bindings/index.js';
import { Nd } from '../helpers/ref.js';

export const SEED = Number(process.env.FC_SEED ?? 20240913);
const RUNS_SCALE = Number(process.env.FC_RUNS ?? 1);

export interface Prop { covers: string[]; name: string; run: () => void }
export const props: Prop[] = [];

/** Declares a property over `arb` covering the public names `covers` (e.g. 'add', 'Tensor.add', 'F.conv2d'). */
export function prop<T>(covers: string | string[], name: string, arb: fc.Arbitrary<T>, check: (v: T) => void, runs = 40): void {
  props.push({
    covers: Array.isArray(covers) ? covers : [covers],
    name,
    run: () => {
      const r = fc.check(fc.property(arb, (v) => { check(v); }), { seed: SEED, numRuns: Math.max(1, Math.round(runs * RUNS_SCALE)) });
      if (!r.failed) return;
      // the failure itself first (uvu does not print an error's cause), then how to replay it
      const e = r.errorInstance as Error | undefined;
      throw new Error(`${e?.message ?? String(r.errorInstance)}\n    counterexample: ${fc.stringify(r.counterexample)}`
        + `\n    after ${r.numRuns} runs, seed ${r.seed}, path "${r.counterexamplePath}"`);
    },
  });
}

// ---- shapes and values ---------------------------------------------------------------------------

export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export function shapeArb(minRank = 0, maxRank = 4, minDim = 0, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Value kinds: 'small' in [−4, 4]; 'wide' mixes those with any finite float32 (±3.4e38); 'big'
 * with values up to ±1e36 (sums of a few hundred stay finite); 'pos' in [0.05, 8]; 'unit' in
 * (0, 1); 'away' |x| in [0.05, 4] (off the kinks at 0).
 */
export type Values = 'small' | 'wide' | 'big' | 'pos' | 'away' | 'unit';

const f32 = Math.fround;
function valueArb(kind: Values): fc.Arbitrary<number> {
  switch (kind) {
    case 'small': return fc.float({ min: -4, max: 4, noNaN: true });
    case 'wide': return fc.oneof(
      { weight: 3, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) },
      { weight: 1, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
    );
    case 'big': return fc.oneof(
      { weight: 3, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) },
      { weight: 1, arbitrary: fc.float({ min: f32(-1e36), max: f32(1e36), noNaN: true }) },
    );
    case 'pos': return fc.float({ min: f32(0.05), max: 8, noNaN: true });
    case 'unit': return fc.float({ min: f32(0.02), max: f32(0.98), noNaN: true });
    case 'away': return fc.tuple(fc.float({ min: f32(0.05), max: 4, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v));
  }
}

export function valuesArb(n: number, kind: Values = 'small'): fc.Arbitrary<number[]> {
  return fc.array(valueArb(kind), { minLength: n, maxLength: n });
}

export interface Data { shape: number[]; values: number[] }

export function dataArb(shape: fc.Arbitrary<number[]>, kind: Values = 'small'): fc.Arbitrary<Data> {
  return shape.chain((s) => valuesArb(sizeOf(s), kind).map((values) => ({ shape: s, values })));
}

export function dataOf(shape: number[], kind: Values = 'small'): fc.Arbitrary<Data> {
  return valuesArb(sizeOf(shape), kind).map((values) => ({ shape, values }));
}

export const T = (d: Data, requiresGrad = false): Tensor => tensor(Float32Array.from(d.values), { shape: d.shape, requiresGrad });
export const N = (d: Data): Nd => Nd.from(d.shape, d.values);

/** Two shapes that broadcast: drop leading dims or set dims to 1 from a common shape. */
export function broadcastPairArb(maxRank = 4, maxDim = 4): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(0, maxRank, 0, maxDim).chain((out) => {
    const side = fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
      .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.tuple(side, side);
  });
}

/** Two shapes that do not broadcast (some aligned dims differ and neither is 1). */
export function nonBroadcastPairArb(): fc.Arbitrary<[number[], number[]]> {
  return fc.tuple(shapeArb(1, 3, 1, 4), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 }))
    .filter(([, a, b]) => a !== b)
    .map(([s, a, b]) => [[...s, a], [b]]);
}

/** A dim valid for rank r (negative counts from the end), or an invalid one. */
export const dimArb = (rank: number): fc.Arbitrary<number> => fc.integer({ min: -Math.max(rank, 1), max: Math.max(rank, 1) - 1 });
export const badDimArb = (rank: number): fc.Arbitrary<number> => fc.oneof(
  fc.integer({ min: Math.max(rank, 1), max: Math.max(rank, 1) + 3 }),
  fc.integer({ min: -Math.max(rank, 1) - 3, max: -Math.max(rank, 1) - 1 }),
);

/** Values that are never a valid argument of any kind (tensor, number, dim, shape, options). */
export const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('x', '2', '', Symbol.iterator as unknown, () => 1, new Map(), 10n as unknown),
  fc.string({ maxLength: 3 }).map((s) => `s${s}`),
);
/** Numbers that are not valid as integers (dims, sizes, counts). */
export const nonIntegerArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -1.5, 1e-9),
  fc.double({ min: -10, max: 10, noNaN: true }).filter((v) => !Number.isInteger(v)),
);

// ---- checks ----------------------------------------------------------------------------------------

const F32_MAX = 3.4028234663852886e38;

/**
 * float32 `actual` against a float64 `expected`: |a − e| ≤ atol + rtol·|e|; a result beyond
 * float32's range must be the infinity of its sign; NaN only where the reference is NaN (so never
 * NaN from finite input unless the math itself is undefined).
 */
export function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`${what}: element ${i} is ${a}, the reference is NaN`);
      continue;
    }
    if (Number.isNaN(a)) throw new Error(`${what}: element ${i} is NaN, expected ${e}`);
    if (!Number.isFinite(e) || Math.abs(e) > F32_MAX) {
      if (a === Math.sign(e) * Infinity || (Number.isFinite(e) && Math.abs(a) >= F32_MAX * (1 - 1e-6))) continue;
      throw new Error(`${what}: element ${i} is ${a}, expected ${e} (beyond float32: ${Math.sign(e) * Infinity})`);
    }
    if (!Number.isFinite(a)) {
      if (Math.abs(e) >= F32_MAX * (1 - 1e-6)) continue; // rounds to infinity within an ulp of the edge
      throw new Error(`${what}: element ${i} is ${a}, expected ${e}`);
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e).toExponential(2)} > ${(atol + rtol * Math.abs(e)).toExponential(2)})`);
    }
  }
}

export function sameShape(t: Tensor, shape: readonly number[], what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${what}: shape [${t.shape}], expected [${shape}]`);
  }
}

/** Asserts fn throws a TypeError or RangeError whose message starts with one of `ops` (never a wasm trap). */
export function rejects(fn: () => unknown, ops: string | string[], what: string): void {
  let err: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    err = e;
  }
  if (!threw) throw new Error(`${what}: accepted invalid input`);
  const e = err as Error;
  if (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError) throw new Error(`${what}: a wasm trap: ${e.message}`);
  if (!(err instanceof TypeError || err instanceof RangeError)) throw new Error(`${what}: threw ${e?.name}: ${e?.message} (expected a TypeError or RangeError)`);
  const names = Array.isArray(ops) ? ops : [ops];
  if (!names.some((op) => e.message.startsWith(`${op}:`) || e.message.startsWith(`${op} `))) {
    throw new Error(`${what}: the ${e.name} does not name ${names.join(' or ')}: ${e.message}`);
  }
}

/** Runs fn; a wasm trap or an error other than TypeError/RangeError naming the op fails; returns whether it threw. */
export function validOrRejected(fn: () => void, ops: string | string[], what: string): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    rejects(() => { throw err; }, ops, what);
    return true;
  }
}

/**
 * The gradient of Σ w·f(inputs) (w a fixed cotangent pattern) by backward(), against central
 * finite differences of the float64 reference.
 */
export function gradMatches(what: string, engine: (ts: Tensor[]) => Tensor, ref: (xs: Nd[]) => Nd, inputs: Data[],
  wantGrad: boolean[] = inputs.map(() => true), rtol = 3e-3, atol = 3e-4): void {
  const ts = inputs.map((d, i) => T(d, wantGrad[i]));
  const out = engine(ts);
  if (out.size === 0 || !out.requiresGrad) return;
  const w = Array.from({ length: out.size }, (_, i) => ((i * 7) % 5 - 2) / 2 + 0.3);
  out.mul(tensor(Float32Array.from(w), { shape: out.shape.slice() })).sum().backward();
  const nds = inputs.map(N);
  // Central differences output by output (Σ w·(f(x+h) − f(x−h)) / 2h): differencing the total
  // instead would lose the small terms next to large ones (pow of 7.7^7.7 beside 0.24^7.7).
  const numeric = nds.map((x, k) => {
    const g = new Float64Array(x.size);
    if (!wantGrad[k]) return { data: g };
    for (let i = 0; i < x.size; i++) {
      const keep = x.data[i], h = 1e-6 * Math.max(1, Math.abs(keep));
      x.data[i] = keep + h;
      const up = Float64Array.from(ref(nds).data); // a copy: a reference may return its input's array
      x.data[i] = keep - h;
      const down = Float64Array.from(ref(nds).data);
      x.data[i] = keep;
      let s = 0;
      for (let j = 0; j < up.length; j++) s += w[j] * (up[j] - down[j]);
      g[i] = s / (2 * h);
    }
    return { data: g };
  });
  ts.forEach((t, i) => {
    if (!wantGrad[i]) return;
    if (!t.grad) throw new Error(`${what}: input ${i} got no gradient`);
    close(t.grad.data(), numeric[i].data, `${what}: gradient of input ${i}`, rtol, atol);
  });
}
