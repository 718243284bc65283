/** Properties of matmul/linear, the movement ops (views, permutes, slices, cat, indexing) and in-place updates. */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, matmulRef, permuteRef, broadcastBinary, forEachIndex, strides } from '../helpers/ref.js';
import {
  prop, T, N, close, rejects, sameShape, gradMatches, dataArb, dataOf, shapeArb, dimArb, badDimArb, junkArb, nonIntegerArb, sizeOf, Data,
  broadcastPairArb,
} from './harness.js';

const norm = (d: number, r: number) => (d < 0 ? d + r : d);

// ---- matmul and linear ------------------------------------------------------------------------

/** PyTorch's matmul on float64 Nd: 1-D promotion, batch dims broadcast. */
function matmulNd(a: Nd, b: Nd): Nd {
  const a2 = a.shape.length === 1 ? new Nd([1, a.shape[0]], a.data) : a;
  const b2 = b.shape.length === 1 ? new Nd([b.shape[0], 1], b.data) : b;
  const [M, K] = a2.shape.slice(-2), [, Nn] = b2.shape.slice(-2);
  const ba = a2.shape.slice(0, -2), bb = b2.shape.slice(0, -2);
  const n = Math.max(ba.length, bb.length);
  const pa = [...Array(n - ba.length).fill(1), ...ba], pb = [...Array(n - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const out = Nd.zeros([...batch, M, Nn]);
  const sa = strides(pa), sb = strides(pb);
  forEachIndex(batch, (idx, flat) => {
    let ia = 0, ib = 0;
    idx.forEach((v, d) => { ia += (pa[d] === 1 ? 0 : v) * sa[d]; ib += (pb[d] === 1 ? 0 : v) * sb[d]; });
    const m = matmulRef(new Nd([M, K], a2.data.subarray(ia * M * K, (ia + 1) * M * K)), new Nd([K, Nn], b2.data.subarray(ib * K * Nn, (ib + 1) * K * Nn)));
    out.data.set(m.data, flat * M * Nn);
  });
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [Nn])];
  return new Nd(shape, out.data);
}

/** Operand shapes wasmgrad's matmul takes: 1-D/2-D either side, equal batch dims, or a batch against a matrix. */
const matmulShapes: fc.Arbitrary<[number[], number[]]> = fc.tuple(
  fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), shapeArb(0, 2, 1, 3),
  fc.constantFrom('vv', 'mv', 'vm', 'mm', 'bm', 'mb', 'bb', 'bv', 'vb'),
).map(([M, K, Nn, batch, kind]) => {
  const a = kind[0] === 'v' ? [K] : kind[0] === 'm' ? [M, K] : [...batch, M, K];
  const b = kind[1] === 'v' ? [K] : kind[1] === 'm' ? [K, Nn] : [...batch, K, Nn];
  return [a, b];
});

prop(['matmul', 'Tensor.matmul'], 'matmul: vectors, matrices and batches equal the float64 product', matmulShapes.chain(([sa, sb]) => fc.tuple(dataOf(sa), dataOf(sb))), ([a, b]) => {
  const want = matmulNd(N(a), N(b));
  const tol = 1e-6 * a.shape[a.shape.length - 1] * 16;
  for (const [form, out] of [['function', wg.matmul(T(a), T(b))], ['method', T(a).matmul(T(b))]] as const) {
    sameShape(out, want.shape, `matmul ${form} [${a.shape}] [${b.shape}]`);
    close(out.data(), want.data, `matmul ${form} [${a.shape}] @ [${b.shape}]`, 1e-5, tol);
  }
}, 60);

prop('matmul', 'matmul: gradients of both operands match finite differences', matmulShapes.chain(([sa, sb]) => fc.tuple(dataOf(sa), dataOf(sb))), ([a, b]) => {
  gradMatches(`matmul [${a.shape}] @ [${b.shape}]`, ([x, y]) => wg.matmul(x, y), ([x, y]) => matmulNd(x, y), [a, b]);
}, 30);

prop('matmul', 'matmul: misaligned inner dims, 0-d operands and non-tensors are errors naming matmul', fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), junkArb), ([M, K, d, junk]) => {
  rejects(() => wg.matmul(wg.zeros(M, K), wg.zeros(K + d, 2)), 'matmul', `[${M}, ${K}] @ [${K + d}, 2]`);
  rejects(() => wg.matmul(wg.zeros([]), wg.zeros(K)), 'matmul', '0-d');
  rejects(() => wg.matmul(wg.zeros(K), junk as Tensor), 'matmul', `with ${String(junk)}`);
  // batch dims neither equal nor one side a matrix: either PyTorch's broadcast or an error naming matmul
  try {
    const out = wg.matmul(wg.zeros(2, 1, M, K), wg.zeros(3, K, 2));
    sameShape(out, [2, 3, M, 2], 'broadcast batch');
  } catch (err) {
    rejects(() => { throw err; }, 'matmul', 'broadcast batch dims');
  }
}, 20);

prop('F.linear', 'linear: x·Wᵀ + b over any leading dims, with or without bias, and its gradients', fc.tuple(shapeArb(0, 2, 1, 3), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean())
  .chain(([lead, inF, outF, bias]) => fc.tuple(dataOf([...lead, inF]), dataOf([outF, inF]), bias ? dataOf([outF]) : fc.constant(null))), ([x, w, b]) => {
  const ref = ([xx, ww, bb]: Nd[]) => {
    const y = matmulNd(xx, new Nd([ww.shape[1], ww.shape[0]], permuteRef(ww, [1, 0]).data));
    return bb ? broadcastBinary(y, bb, (p, q) => p + q) : y;
  };
  const out = wg.nn.functional.linear(T(x), T(w), b ? T(b) : null);
  close(out.data(), ref(b ? [N(x), N(w), N(b)] : [N(x), N(w)]).data, `linear [${x.shape}] [${w.shape}]`, 1e-5, 1e-5);
  gradMatches(`linear [${x.shape}]`, (ts) => wg.nn.functional.linear(ts[0], ts[1], ts[2] ?? null), ref, b ? [x, w, b] : [x, w]);
}, 30);

// ---- views and copies --------------------------------------------------------------------------

/** Output of gathering x at `src(outIndex)` for every index of `shape`. */
function gatherNd(x: Nd, shape: number[], src: (idx: number[]) => number[]): Nd {
  const out = Nd.zeros(shape), sx = strides(x.shape);
  forEachIndex(shape, (idx, flat) => { out.data[flat] = x.data[src(idx).reduce((o, v, d) => o + v * sx[d], 0)]; });
  return out;
}

/** A shape to reshape into: the same number of elements, one dim maybe -1. */
const reshapeArb = dataArb(shapeArb(0, 4, 1, 4)).chain((a) => {
  const n = a.values.length;
  const factors: number[] = [];
  for (let f = 1; f <= n; f++) if (n % f === 0) factors.push(f);
  return fc.tuple(fc.constant(a), fc.array(fc.constantFrom(...factors), { maxLength: 3 }), fc.boolean()).map(([data, picks, infer]) => {
    const shape: number[] = [];
    let rest = n;
    for (const f of picks) if (rest % f === 0) { shape.push(f); rest /= f; }
    shape.push(rest);
    const given = infer ? shape.map((d, i) => (i === shape.length - 1 ? -1 : d)) : shape;
    return { a: data, shape, given };
  });
});

prop(['reshape', 'Tensor.reshape', 'Tensor.view'], 'reshape/view: any shape with the same size (one -1 inferred) keeps the values in order', reshapeArb, ({ a, shape, given }) => {
  for (const [form, out] of [['reshape', wg.reshape(T(a), given)], ['method', T(a).reshape(given)], ['view varargs', T(a).view(...given)]] as const) {
    sameShape(out, shape, `${form} [${a.shape}] -> [${given}]`);
    close(out.data(), a.values, form, 0, 0);
  }
  gradMatches('reshape', ([t]) => t.reshape(given), ([t]) => new Nd(shape, t.data), [a]);
});

prop('reshape', 'reshape: sizes that do not match, two -1s and non-integers are errors naming reshape', fc.tuple(shapeArb(1, 3, 1, 4), fc.integer({ min: 1, max: 3 }), nonIntegerArb), ([s, extra, frac]) => {
  const x = wg.zeros(s);
  rejects(() => x.reshape([sizeOf(s) + extra]), 'reshape', `[${s}] -> [${sizeOf(s) + extra}]`);
  rejects(() => x.reshape([-1, -1]), 'reshape', 'two -1');
  rejects(() => x.reshape([frac]), 'reshape', `[${frac}]`);
}, 20);

prop(['flatten', 'Tensor.flatten'], 'flatten(startDim, endDim): merges the dims between, values in order', dataArb(shapeArb(0, 4, 1, 3)).chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length), dimArb(a.shape.length))), ([a, s0, e0]) => {
  const r = a.shape.length;
  const s = norm(s0, r), e = norm(e0, r);
  if (r > 0 && s > e) { rejects(() => wg.flatten(T(a), s0, e0), 'flatten', `flatten(${s0}, ${e0})`); return; }
  const want = r === 0 ? [1] : [...a.shape.slice(0, s), sizeOf(a.shape.slice(s, e + 1)), ...a.shape.slice(e + 1)];
  for (const out of [wg.flatten(T(a), s0, e0), T(a).flatten(s0, e0)]) {
    sameShape(out, want, `flatten(${s0}, ${e0}) of [${a.shape}]`);
    close(out.data(), a.values, 'flatten', 0, 0);
  }
});

prop(['unsqueeze', 'Tensor.unsqueeze', 'squeeze', 'Tensor.squeeze'], 'unsqueeze(dim) then squeeze(dim) is the identity; squeeze() drops every 1', dataArb(shapeArb(0, 4, 1, 3)).chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length + 1))), ([a, d]) => {
  const u = wg.unsqueeze(T(a), d);
  const nd = norm(d, a.shape.length + 1);
  sameShape(u, [...a.shape.slice(0, nd), 1, ...a.shape.slice(nd)], `unsqueeze(${d}) of [${a.shape}]`);
  sameShape(u.squeeze(d), a.shape, `squeeze(${d})`);
  sameShape(T(a).unsqueeze(d).squeeze(), a.shape.filter((x) => x !== 1), 'squeeze()');
  close(wg.squeeze(u).data(), a.values, 'values', 0, 0);
  rejects(() => wg.unsqueeze(T(a), a.shape.length + 2), 'unsqueeze', 'dim out of range');
});

const permutationArb = (n: number) => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n });

prop(['permute', 'Tensor.permute', 'transpose', 'Tensor.transpose'], 'permute/transpose: any permutation (negative dims too) equals the reference, and so does the gradient', dataArb(shapeArb(1, 4, 1, 4)).chain((a) => fc.tuple(fc.constant(a), permutationArb(a.shape.length), fc.array(fc.boolean(), { minLength: a.shape.length, maxLength: a.shape.length }), dimArb(a.shape.length), dimArb(a.shape.length))), ([a, p, negs, d0, d1]) => {
  const given = p.map((d, i) => (negs[i] ? d - a.shape.length : d));
  const want = permuteRef(N(a), p);
  for (const out of [wg.permute(T(a), given), T(a).permute(...given), T(a).permute(given)]) {
    sameShape(out, want.shape, `permute [${given}] of [${a.shape}]`);
    close(out.data(), want.data, 'permute', 0, 0);
  }
  const q = a.shape.map((_, i) => i);
  [q[norm(d0, a.shape.length)], q[norm(d1, a.shape.length)]] = [q[norm(d1, a.shape.length)], q[norm(d0, a.shape.length)]];
  close(wg.transpose(T(a), d0, d1).data(), permuteRef(N(a), q).data, `transpose(${d0}, ${d1})`, 0, 0);
  gradMatches('permute', ([t]) => t.permute(given), ([t]) => permuteRef(t, p), [a]);
});

prop('permute', 'permute: wrong length, repeated or out-of-range dims are errors naming permute', shapeArb(2, 4, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length))), ([s, bad]) => {
  const x = wg.zeros(s);
  rejects(() => x.permute(s.map((_, i) => i).slice(1)), 'permute', 'too few dims');
  rejects(() => x.permute(s.map(() => 0)), 'permute', 'repeated dims');
  rejects(() => x.permute([bad, ...s.map((_, i) => i).slice(1)]), 'permute', `dim ${bad}`);
  rejects(() => x.transpose(0, bad), 'transpose', `dim ${bad}`);
}, 15);

prop(['slice', 'Tensor.slice'], 'slice(dim, start, end, step): Python slice semantics along any dim, with gradient', dataArb(shapeArb(1, 4, 1, 5)).chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length), fc.integer({ min: -7, max: 7 }), fc.option(fc.integer({ min: -7, max: 7 })), fc.integer({ min: 1, max: 3 }))), ([a, dim, start, end, step]) => {
  const d = norm(dim, a.shape.length), n = a.shape[d];
  const clampI = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampI(start), e = clampI(end ?? n);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const shape = a.shape.slice();
  shape[d] = len;
  const src = (idx: number[]) => idx.map((v, i) => (i === d ? s + v * step : v));
  const want = gatherNd(N(a), shape, src);
  for (const out of [wg.slice(T(a), dim, start, end ?? undefined, step), T(a).slice(dim, start, end ?? undefined, step)]) {
    sameShape(out, shape, `slice(${dim}, ${start}, ${end}, ${step}) of [${a.shape}]`);
    close(out.data(), want.data, 'slice', 0, 0);
  }
  gradMatches('slice', ([t]) => t.slice(dim, start, end ?? undefined, step), ([t]) => gatherNd(t, shape, src), [a]);
  rejects(() => T(a).slice(dim, start, end ?? undefined, 0), 'slice', 'step 0');
});

prop('cat', 'cat(tensors, dim): any number of parts along any dim, with gradients to each part', fc.tuple(shapeArb(1, 3, 1, 3), fc.integer({ min: 1, max: 3 })).chain(([s, k]) => fc.tuple(fc.constant(s), dimArb(s.length), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: k, maxLength: k })))
  .chain(([s, dim, sizes]) => fc.tuple(fc.constant(dim), fc.tuple(...sizes.map((m) => dataOf(s.map((x, i) => (i === norm(dim, s.length) ? m : x)))))) ), ([dim, parts]) => {
  const r = parts[0].shape.length, d = norm(dim, r);
  const offsets: number[] = [];
  let total = 0;
  for (const p of parts) { offsets.push(total); total += p.shape[d]; }
  const shape = parts[0].shape.slice();
  shape[d] = total;
  const ref = (xs: Nd[]) => {
    const out = Nd.zeros(shape);
    forEachIndex(shape, (idx, flat) => {
      let k = parts.length - 1;
      while (offsets[k] > idx[d]) k--;
      const local = idx.slice();
      local[d] -= offsets[k];
      out.data[flat] = xs[k].data[local.reduce((o, v, i) => o + v * strides(parts[k].shape)[i], 0)];
    });
    return out;
  };
  const out = wg.cat(parts.map((p) => T(p)), dim);
  sameShape(out, shape, `cat along ${dim}`);
  close(out.data(), ref(parts.map(N)).data, 'cat', 0, 0);
  gradMatches('cat', (ts) => wg.cat(ts, dim), ref, parts);
});

prop('cat', 'cat: parts that differ outside dim, an empty list or non-tensors are errors naming cat', fc.tuple(shapeArb(2, 3, 1, 3), junkArb), ([s, junk]) => {
  const other = s.map((x, i) => (i === 1 ? x + 1 : x));
  rejects(() => wg.cat([wg.zeros(s), wg.zeros(other)], 0), 'cat', `[${s}] and [${other}] along 0`);
  rejects(() => wg.cat([]), 'cat', 'empty list');
  rejects(() => wg.cat([wg.zeros(s), junk as Tensor]), 'cat', `with ${String(junk)}`);
  rejects(() => wg.cat(junk as Tensor[]), 'cat', `cat(${String(junk)})`);
}, 15);

prop(['indexSelect', 'Tensor.indexSelect'], 'indexSelect(input, dim, index): any dim, repeated and empty indices, arrays or tensors, with gradient', dataArb(shapeArb(1, 4, 1, 4)).chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length)).chain(([x, dim]) => fc.tuple(fc.constant(x), fc.constant(dim), fc.array(fc.integer({ min: 0, max: x.shape[norm(dim, x.shape.length)] - 1 }), { maxLength: 5 }), fc.boolean()))), ([a, dim, idx, asTensor]) => {
  const d = norm(dim, a.shape.length);
  const shape = a.shape.slice();
  shape[d] = idx.length;
  const src = (i: number[]) => i.map((v, k) => (k === d ? idx[v] : v));
  const index = asTensor ? wg.tensor(idx) : idx;
  for (const out of [wg.indexSelect(T(a), dim, index), T(a).indexSelect(dim, index)]) {
    sameShape(out, shape, `indexSelect(${dim}, [${idx}]) of [${a.shape}]`);
    close(out.data(), gatherNd(N(a), shape, src).data, 'indexSelect', 0, 0);
  }
  gradMatches('indexSelect', ([t]) => t.indexSelect(dim, idx), ([t]) => gatherNd(t, shape, src), [a]);
});

prop('indexSelect', 'indexSelect: indices out of range or fractional, 2-D index tensors, bad dims and the old one-argument form are errors naming indexSelect', shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), fc.integer({ min: 0, max: 3 }), nonIntegerArb, junkArb)), ([s, bad, over, frac, junk]) => {
  const x = wg.zeros(s);
  rejects(() => x.indexSelect(0, [s[0] + over]), 'indexSelect', `index ${s[0] + over} of ${s[0]}`);
  rejects(() => x.indexSelect(0, [-1 - over]), 'indexSelect', 'negative index');
  rejects(() => x.indexSelect(0, [frac]), 'indexSelect', `index ${frac}`);
  rejects(() => x.indexSelect(0, wg.zeros(1, 1)), 'indexSelect', '2-D index');
  rejects(() => x.indexSelect(bad, [0]), 'indexSelect', `dim ${bad}`);
  rejects(() => (x.indexSelect as unknown as (i: number[]) => Tensor)([0]), 'indexSelect', 'indexSelect(index)');
  rejects(() => x.indexSelect(0, junk as number[]), 'indexSelect', `index ${String(junk)}`);
  rejects(() => wg.indexSelect(junk as Tensor, 0, [0]), 'indexSelect', `input ${String(junk)}`);
}, 20);

prop(['oneHot', 'F.oneHot'], 'oneHot(labels, numClasses): rows of the identity; bad labels and class counts are errors naming oneHot', fc.tuple(fc.integer({ min: 1, max: 6 }), fc.array(fc.nat(10), { maxLength: 6 }), nonIntegerArb), ([C, raw, frac]) => {
  const labels = raw.map((v) => v % C);
  const out = wg.oneHot(labels, C);
  sameShape(out, [labels.length, C], 'oneHot');
  close(out.data(), labels.flatMap((l) => Array.from({ length: C }, (_, c) => (c === l ? 1 : 0))), 'oneHot', 0, 0);
  close(wg.oneHot(wg.tensor(labels), C).data(), out.data(), 'oneHot of a tensor', 0, 0);
  rejects(() => wg.oneHot([C], C), 'oneHot', `label ${C} of ${C}`);
  rejects(() => wg.oneHot([0], frac), 'oneHot', `numClasses ${frac}`);
  rejects(() => wg.oneHot([frac], C + 1), 'oneHot', `label ${frac}`);
}, 30);

prop(['F.unflatten', 'Tensor.unflatten'], 'unflatten(dim, sizes): splits one dim (one -1 inferred); sizes that do not multiply are errors naming unflatten', dataArb(shapeArb(1, 3, 1, 6)).chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length))), ([a, dim]) => {
  const d = norm(dim, a.shape.length), n = a.shape[d];
  const f = [1, 2, 3].filter((k) => n % k === 0).pop()!;
  const want = [...a.shape.slice(0, d), f, n / f, ...a.shape.slice(d + 1)];
  for (const out of [wg.nn.functional.unflatten(T(a), dim, [f, -1]), T(a).unflatten(dim, [f, n / f])]) {
    sameShape(out, want, `unflatten(${dim}, [${f}, ${n / f}]) of [${a.shape}]`);
    close(out.data(), a.values, 'unflatten', 0, 0);
  }
  rejects(() => wg.nn.functional.unflatten(T(a), dim, [n + 1]), 'unflatten', `sizes [${n + 1}] for ${n}`);
}, 30);

// ---- in-place updates ----------------------------------------------------------------------------

prop(['Tensor.add_', 'Tensor.sub_', 'Tensor.mul_', 'Tensor.zero_', 'Tensor.fill_', 'Tensor.copy_'], 'in-place updates: an operand that broadcasts into the target, with alpha; others are errors naming the op',
  broadcastPairArb(3, 3).filter(([a, b]) => b.length <= a.length && b.every((d, i) => d === 1 || d === a[a.length - b.length + i])).chain(([sa, sb]) => fc.tuple(dataOf(sa), dataOf(sb), fc.float({ min: -3, max: 3, noNaN: true }))), ([a, b, alpha]) => {
    const want = (f: (x: number, y: number) => number) => broadcastBinary(N(a), N(b), f).data;
    close(T(a).add_(T(b), alpha).data(), want((x, y) => x + alpha * y), `add_ alpha ${alpha}`, 1e-6, 1e-6);
    close(T(a).sub_(T(b), alpha).data(), want((x, y) => x - alpha * y), `sub_ alpha ${alpha}`, 1e-6, 1e-6);
    close(T(a).mul_(T(b)).data(), want((x, y) => x * y), 'mul_', 1e-6, 1e-7);
    close(T(a).zero_().data(), a.values.map(() => 0), 'zero_', 0, 0);
    close(T(a).fill_(alpha).data(), a.values.map(() => alpha), 'fill_', 0, 0);
    close(wg.zeros(a.shape).copy_(T(a)).data(), a.values, 'copy_', 0, 0);
    if (sizeOf(a.shape) > 0 && a.shape.length > 0) {
      const bigger = [...a.shape.slice(0, -1), a.shape[a.shape.length - 1] + 1];
      rejects(() => T(a).add_(wg.ones(bigger)), 'add_', `add_ [${bigger}] into [${a.shape}]`);
      rejects(() => T(a).copy_(wg.ones(bigger)), 'copy_', `copy_ [${bigger}] into [${a.shape}]`);
      rejects(() => T(a).fill_('x' as unknown as number), 'fill_', 'fill_("x")');
    }
  }, 30);

export type { Data };
