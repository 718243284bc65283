/** Properties of indexing along a dim: gather, scatter, scatterAdd, indexAdd, and sort, argsort, topk. */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, forEachIndex, strides } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataArb, dataOf, shapeArb, dimArb, badDimArb, junkArb, nonIntegerArb, sizeOf, Data } from './harness.js';

const norm = (d: number, r: number) => (d < 0 ? d + r : d);

/** Flat values as a nested array of `shape` (how a user writes an index by hand). */
function nest(shape: number[], flat: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const inner = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(shape.slice(1), flat.slice(i * inner, (i + 1) * inner)));
}

interface AlongCase { x: Data; dim: number; d: number; idx: Data; unique: boolean }

/**
 * x, a dim, and a per-element index: the index has x's rank, extents <= x's off the dim and any
 * extent along it, values in [0, n). `unique`: no index repeats along a line (each write lands once).
 */
const alongArb = (unique: boolean): fc.Arbitrary<AlongCase> => dataArb(shapeArb(1, 3, 1, 4), 'wide').chain((x) => dimArb(x.shape.length).chain((dim) => {
  const d = norm(dim, x.shape.length), n = x.shape[d];
  return fc.tuple(...x.shape.map((s, k) => (k === d ? fc.integer({ min: 0, max: unique ? n : 5 }) : fc.integer({ min: 0, max: s })))).chain((ishape) => {
    const lines = sizeOf(ishape) / Math.max(1, ishape[d]);
    const values = unique
      ? fc.array(fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: ishape[d], maxLength: ishape[d] }), { minLength: lines, maxLength: lines })
        .map((perLine) => {
          // line-major picks laid out in row-major order of the index
          const out = new Array<number>(sizeOf(ishape)).fill(0);
          const st = strides(ishape);
          let line = 0;
          forEachIndex(ishape.map((v, k) => (k === d ? 1 : v)), (idx) => {
            for (let j = 0; j < ishape[d]; j++) out[idx.reduce((o, v, k) => o + (k === d ? j : v) * st[k], 0)] = perLine[line][j];
            line++;
          });
          return out;
        })
      : fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: sizeOf(ishape), maxLength: sizeOf(ishape) });
    return values.map((v) => ({ x, dim, d, idx: { shape: ishape, values: v }, unique }));
  });
}));

function gatherRef(x: Nd, d: number, idx: Data): Nd {
  const out = Nd.zeros(idx.shape), sx = strides(x.shape);
  forEachIndex(idx.shape, (i, flat) => { out.data[flat] = x.data[i.reduce((o, v, k) => o + (k === d ? idx.values[flat] : v) * sx[k], 0)]; });
  return out;
}

/** x with src written (or added) at the indexed places, in row-major order of the index. */
function scatterRef(x: Nd, d: number, idx: Data, src: Nd | number, add: boolean): Nd {
  const out = Nd.from(x.shape, x.data), sx = strides(x.shape), ss = typeof src === 'number' ? [] : strides(src.shape);
  forEachIndex(idx.shape, (i, flat) => {
    const at = i.reduce((o, v, k) => o + (k === d ? idx.values[flat] : v) * sx[k], 0);
    const v = typeof src === 'number' ? src : src.data[i.reduce((o, w, k) => o + w * ss[k], 0)];
    out.data[at] = add ? out.data[at] + v : v;
  });
  return out;
}

const clampedData = (d: Data): Data => ({ shape: d.shape, values: d.values.map((v) => Math.max(-4, Math.min(4, v))) });

prop(['gather', 'Tensor.gather'], 'gather(dim, index): index smaller than the input off the dim, any length along it, as a tensor or nested array; gradient scattered back',
  alongArb(false).chain((c) => fc.tuple(fc.constant(c), fc.boolean())), ([{ x, dim, d, idx }, asTensor]) => {
    // a nested array cannot say [2, 0] (it reads as [2]): empty indices go as tensors
    const index = asTensor || idx.values.length === 0 ? T(idx) : nest(idx.shape, idx.values) as number[];
    const want = gatherRef(N(x), d, idx);
    for (const [form, out] of [['function', wg.gather(T(x), dim, index)], ['method', T(x).gather(dim, index)]] as const) {
      sameShape(out, idx.shape, `gather ${form} [${x.shape}] dim ${dim} index [${idx.shape}]`);
      close(out.data(), want.data, `gather ${form} [${x.shape}] dim ${dim}`, 0, 0);
    }
    gradMatches(`gather [${x.shape}] dim ${dim} index [${idx.shape}]`, ([t]) => t.gather(dim, index), ([t]) => gatherRef(t, d, idx), [clampedData(x)]);
  }, 50);

prop(['scatter', 'Tensor.scatter', 'scatterAdd', 'Tensor.scatterAdd'], 'scatter (tensor or number src; repeated indices: the last in row-major order wins) and scatterAdd (repeats add): the reference, src larger than the index',
  alongArb(false).chain((c) => fc.tuple(fc.constant(c), dataOf(c.idx.shape.map((s, k) => s + (k === c.d ? 0 : 1)), 'wide'), fc.float({ noNaN: true }))), ([{ x, dim, d, idx }, src, num]) => {
    const index = T(idx);
    for (const [form, out] of [['function', wg.scatter(T(x), dim, index, T(src))], ['method', T(x).scatter(dim, index, T(src))]] as const) {
      sameShape(out, x.shape, `scatter ${form}`);
      close(out.data(), scatterRef(N(x), d, idx, N(src), false).data, `scatter ${form} [${x.shape}] dim ${dim} index [${idx.shape}] src [${src.shape}]`, 0, 0);
    }
    close(wg.scatter(T(x), dim, index, num).data(), scatterRef(N(x), d, idx, num, false).data, `scatter value ${num}`, 0, 0);
    const small = clampedData(x), smallSrc = clampedData(src);
    const want = scatterRef(N(small), d, idx, N(smallSrc), true);
    for (const [form, out] of [['function', wg.scatterAdd(T(small), dim, index, T(smallSrc))], ['method', T(small).scatterAdd(dim, index, T(smallSrc))]] as const) {
      sameShape(out, x.shape, `scatterAdd ${form}`);
      close(out.data(), want.data, `scatterAdd ${form} [${x.shape}] dim ${dim} index [${idx.shape}]`, 1e-6, 1e-6);
    }
    gradMatches(`scatterAdd [${x.shape}] dim ${dim}`, ([t, s]) => t.scatterAdd(dim, index, s), ([t, s]) => scatterRef(t, d, idx, s, true), [small, smallSrc]);
  }, 50);

prop('scatter', 'scatter: gradients of input (none where overwritten) and src (gathered) match finite differences, each place written once',
  alongArb(true).chain((c) => fc.tuple(fc.constant(c), dataOf(c.idx.shape, 'small'))), ([{ x, dim, d, idx }, src]) => {
    gradMatches(`scatter [${x.shape}] dim ${dim} index [${idx.shape}]`, ([t, s]) => t.scatter(dim, T(idx), s), ([t, s]) => scatterRef(t, d, idx, s, false), [clampedData(x), src]);
  }, 30);

prop(['indexAdd', 'Tensor.indexAdd'], 'indexAdd(dim, index, source, { alpha }): alpha·source slices added at index (repeats add up), with gradients',
  dataArb(shapeArb(1, 3, 1, 4)).chain((x) => dimArb(x.shape.length).chain((dim) => {
    const d = norm(dim, x.shape.length);
    return fc.array(fc.integer({ min: 0, max: x.shape[d] - 1 }), { maxLength: 5 }).chain((index) => fc.tuple(
      fc.constant(x), fc.constant(dim), fc.constant(index), dataOf(x.shape.map((s, k) => (k === d ? index.length : s))), fc.option(fc.constantFrom(1, -1, 0.5, 3)),
    ));
  })), ([x, dim, index, source, alpha]) => {
    const d = norm(dim, x.shape.length), a = alpha ?? 1;
    const ref = ([t, s]: Nd[]) => {
      const out = Nd.from(t.shape, t.data), st = strides(t.shape);
      forEachIndex(s.shape, (i, flat) => { out.data[i.reduce((o, v, k) => o + (k === d ? index[v] : v) * st[k], 0)] += a * s.data[flat]; });
      return out;
    };
    const opts = alpha === null ? undefined : { alpha };
    for (const [form, out] of [['function', wg.indexAdd(T(x), dim, index, T(source), opts)], ['method', T(x).indexAdd(dim, wg.tensor(index), T(source), opts)]] as const) {
      sameShape(out, x.shape, `indexAdd ${form}`);
      close(out.data(), ref([N(x), N(source)]).data, `indexAdd ${form} [${x.shape}] dim ${dim} index [${index}] alpha ${alpha}`, 1e-6, 1e-5);
    }
    gradMatches(`indexAdd [${x.shape}] dim ${dim} index [${index}]`, ([t, s]) => t.indexAdd(dim, index, s, opts), ref, [x, source]);
  }, 40);

prop(['gather', 'scatter', 'scatterAdd', 'indexAdd'], 'gather/scatter/scatterAdd/indexAdd: indices out of range, negative or fractional, a wrong rank, an index larger than the input, bad sources, options and dims are errors naming the op',
  shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb, fc.integer({ min: 0, max: 3 }),
    fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== 'alpha' && k !== '__proto__'))), ([s, bad, frac, junk, over, key]) => {
    const x = wg.zeros(s), r = s.length;
    const one = (v: number) => nest(s.map(() => 1), [v]) as number[];
    const ones = wg.ones(s.map(() => 1));
    for (const op of ['gather', 'scatter', 'scatterAdd'] as const) {
      const call = (dim: number, index: unknown, src: unknown = ones) => (op === 'gather' ? wg.gather(x, dim, index as number[]) : wg[op](x, dim, index as number[], src as Tensor));
      rejects(() => call(0, one(s[0] + over)), op, `${op} index ${s[0] + over} of ${s[0]}`);
      rejects(() => call(0, one(-1 - over)), op, `${op} index ${-1 - over}`);
      rejects(() => call(0, one(frac)), op, `${op} index ${frac}`);
      rejects(() => call(bad, one(0)), op, `${op} dim ${bad}`);
      rejects(() => call(0, nest([...s.map(() => 1), 1], [0])), op, `${op} index of rank ${r + 1}`);
      if (r > 1) rejects(() => call(0, nest(s.map((v, k) => (k === 1 ? v + 1 : 1)), new Array(s[1] + 1).fill(0))), op, `${op} index larger than the input off the dim`);
      rejects(() => call(0, junk), op, `${op} index ${String(junk)}`);
      rejects(() => (op === 'gather' ? wg.gather(junk as Tensor, 0, one(0)) : wg[op](junk as Tensor, 0, one(0), ones)), op, `${op} of ${String(junk)}`);
      if (op !== 'gather') rejects(() => call(0, one(0), junk), op, `${op} src ${String(junk)}`);
      if (op !== 'gather') rejects(() => call(0, nest(s.map(() => 1).map((v, k) => (k === r - 1 ? 2 : v)), [0, 0]), ones), op, `${op} src smaller than the index`);
    }
    rejects(() => wg.indexAdd(x, 0, [s[0] + over], wg.zeros([1, ...s.slice(1)])), 'indexAdd', `index ${s[0] + over} of ${s[0]}`);
    rejects(() => wg.indexAdd(x, 0, [frac], wg.zeros([1, ...s.slice(1)])), 'indexAdd', `index ${frac}`);
    rejects(() => wg.indexAdd(x, 0, [0], wg.zeros([2, ...s.slice(1)])), 'indexAdd', 'source of the wrong length');
    rejects(() => wg.indexAdd(x, 0, [[0]], wg.zeros([1, ...s.slice(1)])), 'indexAdd', '2-D index');
    rejects(() => wg.indexAdd(x, bad, [0], wg.zeros([1, ...s.slice(1)])), 'indexAdd', `dim ${bad}`);
    rejects(() => wg.indexAdd(x, 0, [0], junk as Tensor), 'indexAdd', `source ${String(junk)}`);
    rejects(() => wg.indexAdd(x, 0, [0], wg.zeros([1, ...s.slice(1)]), { alpha: junk as number }), 'indexAdd', `alpha ${String(junk)}`);
    rejects(() => wg.indexAdd(x, 0, [0], wg.zeros([1, ...s.slice(1)]), { [key]: 1 } as never), 'indexAdd', `option ${key}`);
    rejects(() => wg.indexAdd(x, 0, [0], wg.zeros([1, ...s.slice(1)]), junk as never), 'indexAdd', `options ${String(junk)}`);
  }, 20);

// ---- sorting -------------------------------------------------------------------------------------

/** Stable order of one line: NaN after every number ascending (before, descending); ties keep their order. */
function orderOf(line: number[], descending: boolean): number[] {
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  const rank = (v: number) => (Number.isNaN(v) ? 1 : 0);
  return line.map((_, i) => i).sort((a, b) => {
    const [p, q] = [line[a], line[b]];
    const c = rank(p) - rank(q) || (key(p) < key(q) ? -1 : key(p) > key(q) ? 1 : 0);
    return (descending ? -c : c) || a - b;
  });
}

/** Per line along d: the first k indices of the stable order. */
function sortRef(x: Data, d: number, descending: boolean, k: number): { values: number[]; indices: number[]; shape: number[] } {
  const shape = x.shape.map((s, i) => (i === d ? k : s));
  const values = new Array<number>(sizeOf(shape)), indices = new Array<number>(sizeOf(shape));
  const sx = strides(x.shape), so = strides(shape);
  forEachIndex(x.shape.map((s, i) => (i === d ? 1 : s)), (idx) => {
    const base = idx.reduce((o, v, i) => o + v * sx[i], 0), obase = idx.reduce((o, v, i) => o + v * so[i], 0);
    const line = Array.from({ length: x.shape[d] }, (_, j) => x.values[base + j * sx[d]]);
    orderOf(line, descending).slice(0, k).forEach((j, r) => { values[obase + r * so[d]] = line[j]; indices[obase + r * so[d]] = j; });
  });
  return { values, indices, shape };
}

/** Values with many ties (a few levels), sometimes NaN and ±inf. */
const tiedArb = dataArb(shapeArb(1, 3, 0, 5), 'small').chain((x) => fc.record({
  x: fc.constant(x),
  levels: fc.array(fc.constantFrom(0, 1, -1, 2, NaN, Infinity, -Infinity, -0), { minLength: x.values.length, maxLength: x.values.length }),
  tie: fc.array(fc.boolean(), { minLength: x.values.length, maxLength: x.values.length }),
  dim: dimArb(x.shape.length), descending: fc.boolean(), form: fc.constantFrom('positional', 'options'), k: fc.nat(5),
})).map((r) => ({ ...r, x: { shape: r.x.shape, values: r.x.values.map((v, i) => (r.tie[i] ? r.levels[i] : Math.fround(v))) } }));

prop(['sort', 'Tensor.sort', 'argsort', 'Tensor.argsort', 'topk', 'Tensor.topk'], 'sort/argsort/topk: stable order along any dim (ties keep their order; NaN largest, as PyTorch), values equal the input at the indices; positional or options',
  tiedArb, ({ x, dim, descending, form, k }) => {
    const d = norm(dim, x.shape.length), n = x.shape[d];
    const all = sortRef(x, d, descending, n);
    const sorted = form === 'options' ? [wg.sort(T(x), { dim, descending }), T(x).sort({ dim, descending })] : [wg.sort(T(x), dim, descending), T(x).sort(dim, descending)];
    for (const res of sorted) {
      const [values, indices] = res;
      if (res.values !== values || res.indices !== indices) throw new Error('sort: .values/.indices are not the pair');
      sameShape(values, all.shape, 'sort values');
      sameShape(indices, all.shape, 'sort indices');
      close(values.data(), all.values, `sort [${x.shape}] dim ${dim} descending ${descending} values`, 0, 0);
      close(indices.data(), all.indices, `sort [${x.shape}] dim ${dim} descending ${descending} indices`, 0, 0);
    }
    for (const out of [wg.argsort(T(x), dim, descending), T(x).argsort(dim, descending)]) close(out.data(), all.indices, `argsort [${x.shape}] dim ${dim}`, 0, 0);
    const kk = Math.min(k, n);
    const top = sortRef(x, d, descending, kk); // topk largest = descending order
    const tops = form === 'options' ? [wg.topk(T(x), kk, { dim, largest: descending }), T(x).topk(kk, { dim, largest: descending, sorted: true })]
      : [wg.topk(T(x), kk, dim, descending), T(x).topk(kk, dim, descending)];
    for (const [values, indices] of tops) {
      sameShape(values, top.shape, `topk ${kk} values`);
      close(values.data(), top.values, `topk ${kk} [${x.shape}] dim ${dim} largest ${descending} values`, 0, 0);
      close(indices.data(), top.indices, `topk ${kk} [${x.shape}] dim ${dim} largest ${descending} indices`, 0, 0);
    }
  }, 60);

prop(['sort', 'topk'], 'sort/topk values: the gradient goes back to the places they came from (distinct values)', dataArb(shapeArb(1, 3, 1, 4), 'small').chain((x) => fc.tuple(fc.constant(x), dimArb(x.shape.length), fc.boolean(), fc.nat(4))), ([x, dim, descending, k]) => {
  const sorted = [...x.values].sort((p, q) => p - q);
  if (sorted.some((v, i) => i > 0 && v - sorted[i - 1] < 1e-3)) return;
  const d = norm(dim, x.shape.length), kk = Math.min(k, x.shape[d]);
  const ref = (n: number) => ([t]: Nd[]) => Nd.from(sortRef({ shape: x.shape, values: Array.from(t.data) }, d, descending, n).shape, sortRef({ shape: x.shape, values: Array.from(t.data) }, d, descending, n).values);
  gradMatches(`sort [${x.shape}] dim ${dim}`, ([t]) => t.sort(dim, descending).values, ref(x.shape[d]), [x]);
  gradMatches(`topk ${kk} [${x.shape}] dim ${dim}`, ([t]) => t.topk(kk, dim, descending).values, ref(kk), [x]);
}, 25);

prop(['sort', 'argsort', 'topk'], 'sort/argsort/topk: 0-d input, bad dims, k out of [0, n] or fractional, junk flags, unknown options (listing the valid ones) are errors naming the op',
  shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb, fc.integer({ min: 1, max: 3 }),
    fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['dim', 'descending', 'stable', 'largest', 'sorted', '__proto__'].includes(k)))), ([s, bad, frac, junk, over, key]) => {
    const x = wg.zeros(s), n = s[s.length - 1];
    for (const op of ['sort', 'argsort', 'topk'] as const) {
      const call = (...a: unknown[]) => (op === 'topk' ? wg.topk(a[0] as Tensor, 1, ...(a.slice(1) as [number])) : (wg[op] as (...b: unknown[]) => unknown)(...a));
      rejects(() => call(wg.zeros([])), op, `${op} of 0-d`);
      rejects(() => call(x, bad), op, `${op} dim ${bad}`);
      rejects(() => call(x, frac), op, `${op} dim ${frac}`);
      rejects(() => call(junk), op, `${op} of ${String(junk)}`);
      rejects(() => call(x, -1, junk), op, `${op} flag ${String(junk)}`);
      if (op !== 'argsort') {
        rejects(() => call(x, { dim: bad }), op, `${op} { dim: ${bad} }`);
        rejects(() => call(x, { [key]: true }), op, `${op} option ${key}`);
        rejects(() => call(x, junk), op, `${op} dim ${String(junk)}`);
      }
    }
    rejects(() => wg.topk(x, n + over), 'topk', `k ${n + over} of ${n}`);
    rejects(() => wg.topk(x, -over), 'topk', `k ${-over}`);
    rejects(() => wg.topk(x, frac), 'topk', `k ${frac}`);
    rejects(() => wg.topk(x, 1, { largest: junk as boolean }), 'topk', `largest ${String(junk)}`);
  }, 20);
