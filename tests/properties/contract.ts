/** Properties of the contractions: einsum (random equations, ellipses, implicit outputs) and cdist (every p and compute mode). */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, forEachIndex, strides } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataOf, junkArb, Data } from './harness.js';

// ---- einsum --------------------------------------------------------------------------------------

interface EinsumCase { equation: string; operands: Data[]; inputs: string[][]; output: string[]; size: Record<string, number> }

/**
 * 1–3 operands over the labels a–e (sizes 1–3), each a random ordered subset; the output a
 * random ordered subset of the labels used (or implicit: the labels seen once, sorted);
 * sometimes a leading '...' on every operand with broadcast batch dims.
 */
const einsumArb: fc.Arbitrary<EinsumCase> = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
  k: fc.integer({ min: 1, max: 3 }),
  ell: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
  useEll: fc.boolean(),
  implicit: fc.boolean(),
}).chain(({ sizes, k, ell, useEll, implicit }) => {
  const letters = ['a', 'b', 'c', 'd', 'e'];
  const sub = fc.shuffledSubarray(letters, { minLength: 0, maxLength: 3 });
  return fc.tuple(fc.array(sub, { minLength: k, maxLength: k }), fc.array(fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), { minLength: k, maxLength: k }))
    .chain(([subs, ellOnes]) => {
      const used = [...new Set(subs.flat())];
      return fc.shuffledSubarray(used, { minLength: 0, maxLength: used.length }).chain((picked) => {
        const size: Record<string, number> = {};
        letters.forEach((l, i) => { size[l] = sizes[i]; });
        // ellipsis dims: operand i has the trailing ones (odd operands one fewer), some set to 1
        const ellShapes = subs.map((_, i) => (useEll ? ell.map((s, j) => (ellOnes[i][j] ? 1 : s)).slice(i % 2) : []));
        const outEll = useEll ? Array.from({ length: ell.length }, (_, j) => Math.max(...ellShapes.map((es) => es[j - (ell.length - es.length)] ?? 1))) : [];
        let output = picked;
        if (implicit) {
          const count = new Map<string, number>();
          subs.flat().forEach((l) => count.set(l, (count.get(l) ?? 0) + 1));
          output = [...count.keys()].filter((l) => count.get(l) === 1).sort();
        }
        const ellLabels = outEll.map((_, j) => `.${outEll.length - 1 - j}`);
        ellLabels.forEach((l, j) => { size[l] = outEll[j]; });
        const inputs = subs.map((s, i) => [...ellLabels.slice(ellLabels.length - ellShapes[i].length), ...s]);
        const shapes = subs.map((s, i) => [...ellShapes[i], ...s.map((l) => size[l])]);
        const spec = (s: string[]) => (useEll ? '...' : '') + s.join('');
        const equation = subs.map(spec).join(',') + (implicit ? '' : `->${spec(output)}`);
        return fc.tuple(...shapes.map((sh) => dataOf(sh))).map((operands) => ({
          equation, operands, inputs, output: [...(useEll ? ellLabels : []), ...output], size,
        }));
      });
    });
});

/** Σ over every label not in the output of the product of the operands, broadcasting ellipsis dims of size 1. */
function einsumRef(c: EinsumCase, xs: Nd[]): Nd {
  const all = [...new Set([...c.output, ...c.inputs.flat()])];
  const outShape = c.output.map((l) => c.size[l]);
  const out = Nd.zeros(outShape);
  const so = strides(outShape);
  forEachIndex(all.map((l) => c.size[l]), (idx) => {
    const at: Record<string, number> = {};
    all.forEach((l, i) => { at[l] = idx[i]; });
    let p = 1;
    xs.forEach((x, i) => {
      const st = strides(x.shape);
      p *= x.data[c.inputs[i].reduce((o, l, d) => o + (x.shape[d] === 1 ? 0 : at[l]) * st[d], 0)];
    });
    out.data[c.output.reduce((o, l, d) => o + at[l] * so[d], 0)] += p;
  });
  return out;
}

prop('einsum', 'einsum: random equations (1–3 operands, contractions, batch labels, transposes, sums, ellipses, implicit outputs) equal the float64 sum of products, with gradients',
  einsumArb, (c) => {
    const want = einsumRef(c, c.operands.map(N));
    const out = wg.einsum(c.equation, ...c.operands.map((d) => T(d)));
    sameShape(out, want.shape, `einsum '${c.equation}' of ${c.operands.map((d) => `[${d.shape}]`).join(' ')}`);
    // float32 sums lose digits in proportion to the magnitudes added: tolerance from Σ|products|
    const mag = einsumRef(c, c.operands.map((d) => N(d).map(Math.abs))).data;
    const got = out.data();
    for (let i = 0; i < want.size; i++) close([got[i]], [want.data[i]], `einsum '${c.equation}' of ${c.operands.map((d) => `[${d.shape}]`).join(' ')} (element ${i})`, 0, 1e-6 * mag[i] + 1e-30);
    close(wg.einsum(c.equation, c.operands.map((d) => T(d))).data(), got, `einsum '${c.equation}' with the operands as one array`, 0, 0);
    if (c.operands.reduce((n, d) => n + d.values.length, 0) <= 48) {
      gradMatches(`einsum '${c.equation}'`, (ts) => wg.einsum(c.equation, ...ts), (xs) => einsumRef(c, xs), c.operands);
    }
  }, 60);

prop('einsum', 'einsum: a wrong operand count, subscripts that miscount dims, sizes that disagree, repeated or unknown output labels, bad characters and non-tensors are errors naming einsum',
  fc.tuple(fc.integer({ min: 2, max: 4 }), junkArb), ([n, junk]) => {
    const a = wg.zeros(n, n + 1), b = wg.zeros(n + 2, n);
    rejects(() => wg.einsum('ij,jk->ik', a), 'einsum', 'one operand for two');
    rejects(() => wg.einsum('ijk->i', a), 'einsum', '3 subscripts for 2 dims');
    rejects(() => wg.einsum('ij,jk->ik', a, b), 'einsum', `j is ${n + 1} and ${n + 2}`);
    rejects(() => wg.einsum('ij->ii', a), 'einsum', 'repeated output label');
    rejects(() => wg.einsum('ij->k', a), 'einsum', 'unknown output label');
    rejects(() => wg.einsum('ii->i', wg.zeros(n, n)), 'einsum', 'a diagonal');
    rejects(() => wg.einsum('i1->i', a), 'einsum', 'a digit');
    rejects(() => wg.einsum('ij->i->j', a), 'einsum', 'two arrows');
    rejects(() => wg.einsum('...ij->ij', wg.zeros(n)), 'einsum', 'more subscripts than dims with ...');
    rejects(() => wg.einsum('ij', junk as Tensor), 'einsum', `operand ${String(junk)}`);
    if (typeof junk !== 'string') rejects(() => wg.einsum(junk as string, a), 'einsum', `equation ${String(junk)}`);
    rejects(() => wg.einsum('ij'), 'einsum', 'no operands');
  }, 15);

// ---- cdist ---------------------------------------------------------------------------------------

function cdistRef(x1: Nd, x2: Nd, p: number): Nd {
  const [P, M] = x1.shape.slice(-2), R = x2.shape[x2.shape.length - 2];
  const batch = x1.shape.slice(0, -2);
  const out = Nd.zeros([...batch, P, R]);
  const B = batch.reduce((a, b) => a * b, 1);
  for (let b = 0; b < B; b++) for (let i = 0; i < P; i++) for (let j = 0; j < R; j++) {
    let s = 0;
    for (let m = 0; m < M; m++) {
      const d = Math.abs(x1.data[(b * P + i) * M + m] - x2.data[(b * R + j) * M + m]);
      if (p === Infinity) s = Math.max(s, d);
      else if (p === 0) s += d !== 0 ? 1 : 0;
      else s += d ** p;
    }
    out.data[(b * P + i) * R + j] = p === Infinity || p === 0 ? s : s ** (1 / p);
  }
  return out;
}

const MODES = ['useMmForEuclidDistIfNecessary', 'useMmForEuclidDist', 'doNotUseMmForEuclidDist', 'use_mm_for_euclid_dist'] as const;

const cdistArb = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 }), P: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(27)), R: fc.integer({ min: 1, max: 4 }),
  M: fc.integer({ min: 1, max: 4 }), p: fc.constantFrom(2, 2, 1, 0, 3, 0.5, Infinity), mode: fc.option(fc.constantFrom(...MODES)),
}).chain((c) => fc.tuple(fc.constant(c), dataOf([...c.batch, c.P, c.M], 'away'), dataOf([...c.batch, c.R, c.M], 'away')));

prop('cdist', 'cdist(x1, x2, p, { computeMode }): every p, batched, the matrix-product route (P > 25 or forced) too, equals the float64 distances', cdistArb, ([c, a, b]) => {
  const want = cdistRef(N(a), N(b), c.p);
  const out = wg.cdist(T(a), T(b), c.p, c.mode === null ? undefined : { computeMode: c.mode as wg.CdistComputeMode });
  sameShape(out, want.shape, `cdist [${a.shape}] [${b.shape}]`);
  // the matrix-product route loses ‖a‖² + ‖b‖² digits to cancellation: its error is in d², not d
  const mm = c.p === 2 && c.mode !== 'doNotUseMmForEuclidDist' && (c.mode?.startsWith('use') && c.mode !== 'useMmForEuclidDistIfNecessary' ? true : c.P > 25);
  const got = out.data();
  for (let i = 0; i < want.size; i++) {
    const e = want.data[i], err2 = 4e-7 * c.M * 32; // the bound of the error in d² on the matrix-product route
    const tol = !mm ? 2e-5 * e + 1e-6 : e > 0 ? Math.min(Math.sqrt(err2), err2 / (2 * e)) + 2e-6 * e : Math.sqrt(err2);
    close([got[i]], [want.data[i]], `cdist p ${c.p} mode ${c.mode} [${a.shape}] [${b.shape}] element ${i}`, 0, tol);
  }
}, 40);

prop('cdist', 'cdist: gradients of both inputs match finite differences (distances apart from 0), and are finite (never NaN) where rows coincide', cdistArb.filter(([c]) => c.P <= 4), ([c, a, b]) => {
  const want = cdistRef(N(a), N(b), c.p);
  const options = c.mode === null ? undefined : { computeMode: c.mode as wg.CdistComputeMode };
  // |a − b|^p has a kink (p <= 1: an infinite slope) where a component difference is 0: keep them apart
  const apart = N(a).data.every((u, i) => {
    const m = i % c.M, bt = Math.floor(i / (c.M * c.P));
    return Array.from({ length: c.R }, (_, j) => Math.abs(u - b.values[(bt * c.R + j) * c.M + m])).every((d) => d > 1e-2);
  });
  // the ∞-norm shares its gradient among tied largest components (PyTorch's rule): no ties here
  const B = a.values.length / (c.P * c.M);
  const untied = c.p !== Infinity || Array.from({ length: B * c.P * c.R }, (_, k) => {
    const bt = Math.floor(k / (c.P * c.R)), i = Math.floor(k / c.R) % c.P, j = k % c.R;
    const d = Array.from({ length: c.M }, (_, m) => Math.abs(a.values[(bt * c.P + i) * c.M + m] - b.values[(bt * c.R + j) * c.M + m])).sort((u, v) => v - u);
    return d.length < 2 || d[0] - d[1] > 1e-3;
  }).every(Boolean);
  if (c.p !== 0 && apart && untied && want.data.every((d) => d > 0.05)) {
    gradMatches(`cdist p ${c.p} [${a.shape}] [${b.shape}]`, ([x, y]) => wg.cdist(x, y, c.p, options), ([x, y]) => cdistRef(x, y, c.p), [a, b], [true, true], 5e-3, 1e-3);
  }
  // x2 = x1: every diagonal distance is 0
  const x1 = T(a, true), x2 = T(a, true);
  wg.cdist(x1, x2, c.p, options).sum().backward();
  for (const [name, t] of [['x1', x1], ['x2', x2]] as const) {
    if (!t.grad!.data().every(Number.isFinite)) throw new Error(`cdist p ${c.p} mode ${c.mode}: the gradient of ${name} is not finite where rows coincide: ${Array.from(t.grad!.data())}`);
  }
}, 30);

prop('cdist', 'cdist: fewer than 2 dims, a feature mismatch, batch dims that do not broadcast, a negative or NaN p, an unknown computeMode or option and non-tensors are errors naming cdist',
  fc.tuple(fc.integer({ min: 1, max: 3 }), junkArb, fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== 'computeMode' && k !== '__proto__')), ([n, junk, key]) => {
    const a = wg.zeros(n, 2);
    rejects(() => wg.cdist(wg.zeros(2), a), 'cdist', '1-D x1');
    rejects(() => wg.cdist(a, wg.zeros(n, 3)), 'cdist', 'features 2 and 3');
    rejects(() => wg.cdist(wg.zeros(2, n, 2), wg.zeros(3, n, 2)), 'cdist', 'batch 2 and 3');
    rejects(() => wg.cdist(a, a, -1), 'cdist', 'p -1');
    rejects(() => wg.cdist(a, a, NaN), 'cdist', 'p NaN');
    rejects(() => wg.cdist(a, a, junk as number), 'cdist', `p ${String(junk)}`);
    rejects(() => wg.cdist(a, a, 2, { computeMode: 'fast' as never }), 'cdist', "computeMode 'fast'");
    rejects(() => wg.cdist(a, a, 2, { [key]: 1 } as never), 'cdist', `option ${key}`);
    rejects(() => wg.cdist(a, a, 2, junk as never), 'cdist', `options ${String(junk)}`);
    rejects(() => wg.cdist(junk as Tensor, a), 'cdist', `x1 ${String(junk)}`);
  }, 15);
