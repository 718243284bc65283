/** Properties of the copying shape ops: expand/expandAs/broadcastTo, repeat, flip, split, chunk, F.pad (every mode). */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, forEachIndex, strides } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataArb, dataOf, shapeArb, dimArb, badDimArb, junkArb, nonIntegerArb, sizeOf, Data } from './harness.js';
import { expandNd } from './select.js';

const norm = (d: number, r: number) => (d < 0 ? d + r : d);
const F = wg.nn.functional;

/** out[idx] = x[src(idx)] for every index of `shape`. */
function pickNd(x: Nd, shape: number[], src: (idx: number[]) => number[]): Nd {
  const out = Nd.zeros(shape), sx = strides(x.shape);
  forEachIndex(shape, (idx, flat) => { out.data[flat] = x.data[src(idx).reduce((o, v, d) => o + v * sx[d], 0)]; });
  return out;
}

/** An input shape and sizes to expand it to: its 1-dims grown (or −1), its others kept (or −1), up to two new leading dims. */
const expandArb = shapeArb(0, 3, 0, 3).chain((s) => fc.tuple(
  dataOf(s),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
  fc.tuple(...s.map((d) => (d === 1 ? fc.integer({ min: -1, max: 3 }) : fc.constantFrom(d, -1)))),
));

prop(['expand', 'Tensor.expand', 'expandAs', 'Tensor.expandAs', 'broadcastTo'], 'expand(sizes) (varargs or one array, −1 keeps a dim), expandAs, broadcastTo: the broadcast values, gradient summed back',
  expandArb, ([x, lead, sizes]) => {
    const given = [...lead, ...sizes];
    const shape = given.map((v, i) => (v === -1 ? x.shape[i - lead.length] : v));
    const want = expandNd(N(x), shape);
    const outs: [string, Tensor][] = [
      ['expand', wg.expand(T(x), given)], ['method varargs', T(x).expand(...given)], ['method array', T(x).expand(given)],
      ['expandAs', T(x).expandAs(wg.zeros(shape))], ['expandAs function', wg.expandAs(T(x), wg.zeros(shape))], ['broadcastTo', wg.broadcastTo(T(x), shape)],
    ];
    for (const [form, out] of outs) {
      sameShape(out, shape, `${form} [${x.shape}] -> [${given}]`);
      close(out.data(), want.data, `${form} [${x.shape}] -> [${given}]`, 0, 0);
    }
    gradMatches(`expand [${x.shape}] -> [${given}]`, ([t]) => t.expand(given), ([t]) => expandNd(t, shape), [x]);
  }, 50);

prop(['expand', 'broadcastTo'], 'expand: fewer sizes than dims, a non-1 dim changed, −1 for a new dim, fractional or negative sizes and non-tensors are errors naming expand',
  fc.tuple(shapeArb(1, 3, 2, 4), nonIntegerArb, junkArb), ([s, frac, junk]) => {
    const x = wg.zeros(s);
    rejects(() => x.expand(s.slice(1)), 'expand', `[${s}] to [${s.slice(1)}]`);
    rejects(() => x.expand(s.map((d, i) => (i === 0 ? d + 1 : d))), 'expand', `[${s}] with dim 0 changed`);
    rejects(() => x.expand([-1, ...s]), 'expand', '-1 for a new dim');
    rejects(() => x.expand([frac, ...s]), 'expand', `size ${frac}`);
    rejects(() => x.expand([-2, ...s]), 'expand', 'size -2');
    rejects(() => x.expand(junk as number), 'expand', `expand(${String(junk)})`);
    rejects(() => wg.broadcastTo(x, [1]), 'expand', `broadcastTo [${s}] -> [1]`);
    rejects(() => wg.expand(junk as Tensor, s), 'expand', `expand of ${String(junk)}`);
  }, 20);

prop(['repeat', 'Tensor.repeat'], 'repeat(repeats): tiles any rank (more repeats than dims add dims; up to 5 dims, past one strided copy), with gradient',
  shapeArb(0, 3, 0, 3).chain((s) => fc.tuple(dataOf(s), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: s.length, maxLength: 5 }))), ([x, reps]) => {
    const xs = [...new Array<number>(reps.length - x.shape.length).fill(1), ...x.shape];
    const shape = xs.map((d, i) => d * reps[i]);
    const ref = ([t]: Nd[]) => pickNd(new Nd(xs, t.data), shape, (idx) => idx.map((v, i) => v % xs[i]));
    const want = ref([N(x)]);
    for (const [form, out] of [['function', wg.repeat(T(x), reps)], ['varargs', T(x).repeat(...reps)], ['array', T(x).repeat(reps)]] as const) {
      sameShape(out, shape, `repeat ${form} [${x.shape}] by [${reps}]`);
      close(out.data(), want.data, `repeat ${form} [${x.shape}] by [${reps}]`, 0, 0);
    }
    if (sizeOf(shape) <= 400) gradMatches(`repeat [${x.shape}] by [${reps}]`, ([t]) => t.repeat(reps), ref, [x]);
  }, 40);

prop('repeat', 'repeat: fewer repeats than dims, negative or fractional repeats and non-tensors are errors naming repeat', fc.tuple(shapeArb(1, 3, 1, 3), nonIntegerArb, junkArb), ([s, frac, junk]) => {
  const x = wg.zeros(s);
  rejects(() => x.repeat(s.slice(1)), 'repeat', `[${s}] by [${s.slice(1)}]`);
  rejects(() => x.repeat([...s.map(() => 1).slice(1), -1]), 'repeat', 'repeat -1');
  rejects(() => x.repeat([...s.map(() => 1).slice(1), frac]), 'repeat', `repeat ${frac}`);
  rejects(() => x.repeat(junk as number), 'repeat', `repeat(${String(junk)})`);
  rejects(() => wg.repeat(junk as Tensor, [1]), 'repeat', `repeat of ${String(junk)}`);
}, 15);

prop(['flip', 'Tensor.flip'], 'flip(dims): reverses any set of dims (negative too; varargs or one array), with gradient',
  dataArb(shapeArb(0, 4, 0, 4)).chain((x) => fc.tuple(fc.constant(x), x.shape.length === 0 ? fc.constant([] as number[]) : fc.uniqueArray(dimArb(x.shape.length), { maxLength: x.shape.length, selector: (d) => norm(d, x.shape.length) }))),
  ([x, dims]) => {
    const ds = dims.map((d) => norm(d, x.shape.length));
    const ref = ([t]: Nd[]) => pickNd(t, x.shape, (idx) => idx.map((v, i) => (ds.includes(i) ? x.shape[i] - 1 - v : v)));
    const want = ref([N(x)]);
    for (const [form, out] of [['function', wg.flip(T(x), dims)], ['varargs', T(x).flip(...dims)], ['array', T(x).flip(dims)]] as const) {
      sameShape(out, x.shape, `flip ${form}`);
      close(out.data(), want.data, `flip ${form} [${x.shape}] dims [${dims}]`, 0, 0);
    }
    gradMatches(`flip [${x.shape}] [${dims}]`, ([t]) => t.flip(dims), ref, [x]);
  }, 40);

prop('flip', 'flip: repeated or out-of-range dims, fractional dims and non-tensors are errors naming flip', shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb)), ([s, bad, frac, junk]) => {
  const x = wg.zeros(s);
  rejects(() => x.flip(0, -s.length), 'flip', 'dims 0 and -ndim');
  rejects(() => x.flip(bad), 'flip', `dim ${bad}`);
  rejects(() => x.flip(frac), 'flip', `dim ${frac}`);
  rejects(() => x.flip(junk as number), 'flip', `dim ${String(junk)}`);
  rejects(() => wg.flip(junk as Tensor, 0), 'flip', `flip of ${String(junk)}`);
}, 15);

prop(['split', 'Tensor.split', 'chunk', 'Tensor.chunk'], 'split(size or sizes, dim) and chunk(n, dim): pieces that are slices in order (empty dims too), each with its gradient',
  dataArb(shapeArb(1, 3, 0, 6)).chain((x) => fc.record({
    x: fc.constant(x), dim: dimArb(x.shape.length), size: fc.integer({ min: 1, max: 7 }), chunks: fc.integer({ min: 1, max: 7 }),
    cuts: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
  })), ({ x, dim, size, chunks, cuts }) => {
    const d = norm(dim, x.shape.length), n = x.shape[d];
    const bySize = (s: number) => { const out: number[] = []; for (let at = 0; at < n; at += s) out.push(Math.min(s, n - at)); return n === 0 ? [0] : out; };
    // sizes that add up to n: the cuts clipped into [0, n], sorted, as differences
    const marks = [0, ...cuts.map((c) => Math.min(c, n)).sort((p, q) => p - q), n];
    const sections = marks.slice(1).map((m, i) => m - marks[i]);
    const cases: [string, number[], Tensor[], Tensor[]][] = [
      [`split(${size}, ${dim})`, bySize(size), wg.split(T(x), size, dim), T(x).split(size, dim)],
      [`split([${sections}], ${dim})`, sections, wg.split(T(x), sections, dim), T(x).split(sections, dim)],
      [`chunk(${chunks}, ${dim})`, bySize(Math.max(1, Math.ceil(n / chunks))), wg.chunk(T(x), chunks, dim), T(x).chunk(chunks, dim)],
    ];
    for (const [what, sizes, fnOut, methodOut] of cases) {
      for (const pieces of [fnOut, methodOut]) {
        if (pieces.length !== sizes.length) throw new Error(`${what} of [${x.shape}]: ${pieces.length} pieces, expected ${sizes.length}`);
        let at = 0;
        pieces.forEach((p, k) => {
          const shape = x.shape.map((v, i) => (i === d ? sizes[k] : v));
          sameShape(p, shape, `${what} piece ${k}`);
          const from = at;
          close(p.data(), pickNd(N(x), shape, (idx) => idx.map((v, i) => (i === d ? v + from : v))).data, `${what} of [${x.shape}] piece ${k}`, 0, 0);
          at += sizes[k];
        });
      }
      // Σ (k+1)·piece_k, so each piece's gradient is seen apart
      if (n > 0) {
        const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
        gradMatches(`${what} of [${x.shape}]`, ([t]) => {
          const ps = what.startsWith('chunk') ? t.chunk(chunks, dim) : t.split(what.includes('[') ? sections : size, dim);
          return wg.cat(ps.map((p, k) => p.mul(k + 1)), d);
        }, ([t]) => {
          const out = Nd.from(t.shape, t.data);
          forEachIndex(x.shape, (idx, flat) => { let k = starts.length - 1; while (starts[k] > idx[d]) k--; out.data[flat] *= k + 1; });
          return out;
        }, [x]);
      }
    }
  }, 40);

prop(['split', 'chunk'], 'split/chunk: sizes that do not add up, zero or fractional sizes and chunks, 0-d input and bad dims are errors naming the op',
  shapeArb(1, 3, 1, 4).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb)), ([s, bad, frac, junk]) => {
    const x = wg.zeros(s);
    rejects(() => x.split([s[0] + 1]), 'split', `sizes [${s[0] + 1}] of ${s[0]}`);
    rejects(() => x.split(0), 'split', 'split size 0');
    rejects(() => x.split(frac), 'split', `split size ${frac}`);
    rejects(() => x.split(junk as number), 'split', `split(${String(junk)})`);
    rejects(() => x.split(1, bad), 'split', `dim ${bad}`);
    rejects(() => wg.split(wg.zeros([]), 1), 'split', '0-d');
    rejects(() => x.chunk(0), 'chunk', 'chunk 0');
    rejects(() => x.chunk(frac), 'chunk', `chunk ${frac}`);
    rejects(() => x.chunk(1, bad), 'chunk', `dim ${bad}`);
    rejects(() => wg.chunk(junk as Tensor, 1), 'chunk', `chunk of ${String(junk)}`);
  }, 20);

// ---- F.pad ---------------------------------------------------------------------------------------

type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** The source index along one dim of size n for output position o with `left` padding (−1: the fill value). */
function padSource(mode: PadMode, o: number, n: number, left: number): number {
  const i = o - left;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'replicate') return i < 0 ? 0 : n - 1;
  if (mode === 'circular') return ((i % n) + n) % n;
  return i < 0 ? -i : 2 * (n - 1) - i; // reflect, without repeating the edge
}

function padRef(x: Nd, pads: number[], mode: PadMode, value: number): Nd {
  const r = x.shape.length;
  const left = new Array<number>(r).fill(0), right = new Array<number>(r).fill(0);
  for (let i = 0; i < pads.length / 2; i++) { left[r - 1 - i] = pads[2 * i]; right[r - 1 - i] = pads[2 * i + 1]; }
  const shape = x.shape.map((n, d) => n + left[d] + right[d]);
  const out = Nd.zeros(shape), sx = strides(x.shape);
  forEachIndex(shape, (idx, flat) => {
    let o = 0;
    for (let d = 0; d < r; d++) {
      const s = padSource(mode, idx[d], x.shape[d], left[d]);
      if (s < 0) { out.data[flat] = value; return; }
      o += s * sx[d];
    }
    out.data[flat] = x.data[o];
  });
  return out;
}

/** An input, a mode and paddings valid for it: constant pads may be negative (crop); reflect < n; circular <= n. */
const padArb = fc.constantFrom<PadMode>('constant', 'reflect', 'replicate', 'circular').chain((mode) => shapeArb(mode === 'constant' ? 0 : 2, 4, mode === 'constant' ? 0 : 1, 4)
  .chain((s) => {
    const maxDims = mode === 'constant' ? s.length : Math.min(3, s.length - 1);
    return fc.integer({ min: mode === 'constant' ? 0 : 1, max: Math.max(mode === 'constant' ? 0 : 1, maxDims) }).chain((k) => fc.tuple(
      dataOf(s, 'wide'),
      fc.tuple(...Array.from({ length: 2 * k }, (_, j) => {
        const n = s[s.length - 1 - (j >> 1)];
        const hi = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : 3;
        return fc.integer({ min: mode === 'constant' ? -Math.min(n, 2) : 0, max: Math.max(0, hi) });
      })),
      fc.constant(mode), fc.oneof(fc.constant(undefined), fc.float({ noNaN: true })), fc.boolean(),
    ));
  }));

prop(['F.pad'], "F.pad(input, pads, mode, value): constant (negative pads crop), reflect, replicate and circular over the last dims equal the index reference, positional or { mode, value }, with gradient",
  padArb, ([x, pads, mode, value, asOptions]) => {
    const v = mode === 'constant' ? value : undefined;
    // a constant pad of a dim below its negative crop: skip (the error case is checked below)
    const r = x.shape.length;
    if (pads.some((p, j) => x.shape[r - 1 - (j >> 1)] + pads[j & ~1] + pads[j | 1] < 0)) return;
    const want = padRef(N(x), pads, mode, v ?? 0);
    const out = asOptions ? F.pad(T(x), pads, { mode, value: v }) : F.pad(T(x), pads, mode, v);
    sameShape(out, want.shape, `pad ${mode} [${x.shape}] by [${pads}]`);
    close(out.data(), want.data, `pad ${mode} [${x.shape}] by [${pads}] value ${v}`, 0, 0);
    const small = { shape: x.shape, values: x.values.map((u) => Math.max(-4, Math.min(4, u))) };
    if (sizeOf(want.shape) <= 300) gradMatches(`pad ${mode} [${x.shape}] by [${pads}]`, ([t]) => F.pad(t, pads, mode, v), ([t]) => padRef(t, pads, mode, v ?? 0), [small]);
  }, 60);

prop(['F.pad'], 'F.pad: odd or fractional pads, more pads than dims, reflect >= size, circular > size, negative non-constant pads, unknown modes and options are errors naming pad',
  fc.tuple(shapeArb(2, 3, 1, 3), nonIntegerArb, junkArb, fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['mode', 'value', '__proto__'].includes(k))), ([s, frac, junk, key]) => {
    const x = wg.zeros(s);
    const n = s[s.length - 1];
    rejects(() => F.pad(x, [1]), 'pad', 'odd pads');
    rejects(() => F.pad(x, [frac, 0]), 'pad', `pad ${frac}`);
    rejects(() => F.pad(x, new Array(2 * s.length + 2).fill(0)), 'pad', 'more pads than dims');
    rejects(() => F.pad(x, [n, 0], 'reflect'), 'pad', `reflect ${n} of ${n}`);
    rejects(() => F.pad(x, [0, n + 1], 'circular'), 'pad', `circular ${n + 1} of ${n}`);
    rejects(() => F.pad(x, [-1, 0], 'replicate'), 'pad', 'replicate -1');
    rejects(() => F.pad(x, [0, 0], 'wrap' as never), 'pad', "mode 'wrap'");
    rejects(() => F.pad(x, [0, 0], 'reflect', 2), 'pad', 'value with reflect');
    rejects(() => F.pad(x, [-n - 1, 0]), 'pad', `crop ${n + 1} of ${n}`);
    rejects(() => F.pad(x, junk as number[]), 'pad', `pads ${String(junk)}`);
    rejects(() => F.pad(x, [1, 1], 'constant', junk as number), 'pad', `value ${String(junk)}`);
    rejects(() => F.pad(x, [1, 1], junk as 'constant'), 'pad', `mode ${String(junk)}`);
    rejects(() => F.pad(x, [1, 1], { [key]: 1 } as never), 'pad', `option ${key}`);
    rejects(() => F.pad(junk as Tensor, [1, 1]), 'pad', `pad of ${String(junk)}`);
  }, 20);

export type { Data };
