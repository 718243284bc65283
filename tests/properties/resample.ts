/**
 * Properties of resampling: F.interpolate (nearest, nearest-exact, bilinear with and without
 * alignCorners, area; by size or scaleFactor; 3-D and 4-D) and F.adaptiveAvgPool2d, against
 * float64 references written from PyTorch's coordinate rules (ATen's upsample kernels), plus
 * rules any resampler must keep (integer nearest upscaling repeats pixels; same-size bilinear is
 * the identity; area over whole windows is an average pool).
 */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataOf, junkArb, nonIntegerArb, Data } from './harness.js';

const F = wg.nn.functional;
type Mode = 'nearest' | 'nearest-exact' | 'bilinear' | 'area';

/** Per output index: [i0, i1, w1] (value = (1 − w1)·x[i0] + w1·x[i1]). */
function axisTaps(mode: Mode, inSize: number, outSize: number, scale: number | undefined, alignCorners: boolean): [number, number, number][] {
  const taps: [number, number, number][] = [];
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest' || mode === 'nearest-exact') {
      // ATen: a float32 scale, 1/scaleFactor when one is given (and not recomputed), else in/out
      const s = Math.fround(scale !== undefined ? 1 / scale : inSize / outSize);
      const src = Math.min(Math.floor(Math.fround((mode === 'nearest-exact' ? o + 0.5 : o) * s)), inSize - 1);
      taps.push([src, src, 0]);
    } else {
      const s = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : scale !== undefined ? 1 / scale : inSize / outSize;
      const src = alignCorners ? s * o : Math.max(s * (o + 0.5) - 0.5, 0);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      taps.push([i0, Math.min(i0 + 1, inSize - 1), Math.min(Math.max(src - i0, 0), 1)]);
    }
  }
  return taps;
}

/** PyTorch's adaptive windows [floor(o·in/out), ceil((o+1)·in/out)) as taps of equal weight. */
function windows(inSize: number, outSize: number): [number, number][] {
  return Array.from({ length: outSize }, (_, o) => [Math.floor((o * inSize) / outSize), Math.ceil(((o + 1) * inSize) / outSize)]);
}

/** Separable resampling of the last two dims of [P.., H, W] (3-D input: H = 1) by per-axis weight rows. */
function resampleRef(x: Nd, rowsH: [number, number][][], rowsW: [number, number][][], outShape: number[]): Nd {
  const H = x.shape.length === 4 ? x.shape[2] : 1, W = x.shape[x.shape.length - 1];
  const P = x.shape[0] * x.shape[1], OH = rowsH.length, OW = rowsW.length;
  const out = Nd.zeros(outShape);
  for (let p = 0; p < P; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = 0;
    for (const [ih, wh] of rowsH[oh]) for (const [iw, ww] of rowsW[ow]) s += wh * ww * x.data[(p * H + ih) * W + iw];
    out.data[(p * OH + oh) * OW + ow] = s;
  }
  return out;
}

const tapRows = (taps: [number, number, number][]): [number, number][][] => taps.map(([i0, i1, w1]) => [[i0, 1 - w1], [i1, w1]]);
const windowRows = (ws: [number, number][]): [number, number][][] => ws.map(([a, b]) => Array.from({ length: b - a }, (_, k) => [a + k, 1 / (b - a)] as [number, number]));

interface InterpCase { x: Data; mode: Mode; dims: number; size: number[] | null; factor: number[] | null; alignCorners: boolean | undefined; recompute: boolean; form: 'options' | 'positional' }

const interpArb: fc.Arbitrary<InterpCase> = fc.record({
  mode: fc.constantFrom<Mode>('nearest', 'nearest-exact', 'bilinear', 'area'),
  fourD: fc.boolean(), N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 2 }), H: fc.integer({ min: 1, max: 5 }), W: fc.integer({ min: 1, max: 5 }),
  bySize: fc.boolean(), size: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })),
  factor: fc.tuple(fc.constantFrom(0.5, 1, 1.5, 2, 3, 0.7, 2.5), fc.constantFrom(0.5, 1, 1.5, 2, 3, 0.7, 2.5)),
  alignCorners: fc.option(fc.boolean(), { nil: undefined }), recompute: fc.boolean(), form: fc.constantFrom<'options' | 'positional'>('options', 'positional'),
}).chain((r) => {
  const dims = r.mode === 'bilinear' || r.fourD ? 2 : 1;
  const shape = dims === 2 ? [r.N, r.C, r.H, r.W] : [r.N, r.C, r.W];
  const inSizes = dims === 2 ? [r.H, r.W] : [r.W];
  const factor = r.factor.slice(0, dims);
  // a scale factor whose output would be empty: use the size instead
  const bySize = r.bySize || inSizes.some((n, i) => Math.floor(n * factor[i]) < 1);
  return dataOf(shape).map((x) => ({
    x, mode: r.mode, dims, size: bySize ? r.size.slice(0, dims) : null, factor: bySize ? null : factor,
    alignCorners: r.mode === 'bilinear' ? r.alignCorners : undefined, recompute: r.recompute, form: r.form,
  }));
});

function interpRef(c: InterpCase, x: Nd): Nd {
  const inSizes = c.dims === 2 ? x.shape.slice(2) : [x.shape[2]];
  const outSizes = c.size ?? inSizes.map((n, i) => Math.floor(n * c.factor![i]));
  const rows = inSizes.map((n, i) => (c.mode === 'area' ? windowRows(windows(n, outSizes[i]))
    : tapRows(axisTaps(c.mode, n, outSizes[i], c.factor && !c.recompute ? c.factor[i] : undefined, c.alignCorners ?? false))));
  return resampleRef(x, c.dims === 2 ? rows[0] : [[[0, 1]]], rows[c.dims - 1], [...x.shape.slice(0, 2), ...outSizes]);
}

function callInterp(c: InterpCase, t: Tensor): Tensor {
  const size = c.size === null ? undefined : c.dims === 1 ? c.size[0] : c.size;
  const factor = c.factor === null ? undefined : c.factor;
  if (c.form === 'positional') return F.interpolate(t, size ?? null, factor ?? null, c.mode, c.alignCorners, c.recompute);
  return F.interpolate(t, { size, scaleFactor: factor, mode: c.mode, alignCorners: c.alignCorners, recomputeScaleFactor: c.recompute });
}

prop('F.interpolate', 'interpolate: nearest, nearest-exact, bilinear (alignCorners false/true), area; size or scaleFactor (recomputed or not); 3-D and 4-D; positional or options; equals the float64 reference, with gradient',
  interpArb, (c) => {
    const want = interpRef(c, N(c.x));
    const out = callInterp(c, T(c.x));
    const what = `interpolate ${c.mode}${c.alignCorners ? ' alignCorners' : ''} [${c.x.shape}] ${c.size ? `size [${c.size}]` : `scaleFactor [${c.factor}]${c.recompute ? ' recomputed' : ''}`}`;
    sameShape(out, want.shape, what);
    close(out.data(), want.data, what, 1e-5, 1e-5);
    gradMatches(what, ([t]) => callInterp(c, t), ([t]) => interpRef(c, t), [c.x]);
  }, 60);

prop('F.interpolate', 'interpolate: nearest upscaling by an integer factor repeats each pixel; same-size bilinear (either alignCorners) and nearest are the identity', fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 3 }), fc.boolean()).chain(([H, W, k, ac]) => fc.tuple(dataOf([1, 2, H, W]), fc.constant(k), fc.constant(ac))), ([x, k, ac]) => {
  const [, , H, W] = x.shape;
  const up = F.interpolate(T(x), { scaleFactor: k });
  const want: number[] = [];
  for (let c = 0; c < 2; c++) for (let h = 0; h < H * k; h++) for (let w = 0; w < W * k; w++) want.push(x.values[(c * H + Math.floor(h / k)) * W + Math.floor(w / k)]);
  close(up.data(), want, `nearest ×${k} of [${x.shape}]`, 0, 0);
  close(F.interpolate(T(x), { size: [H, W], mode: 'bilinear', alignCorners: ac }).data(), x.values, `bilinear to the same size (alignCorners ${ac})`, 1e-6, 1e-6);
  close(F.interpolate(T(x), [H, W]).data(), x.values, 'nearest to the same size', 0, 0);
}, 20);

prop('F.interpolate', 'interpolate: size and scaleFactor both or neither, wrong ranks, bilinear on 3-D, alignCorners off bilinear, empty or fractional sizes, bad factors, unknown modes and options are errors naming interpolate',
  fc.tuple(fc.integer({ min: 1, max: 4 }), nonIntegerArb, junkArb, fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor', '__proto__'].includes(k))), ([n, frac, junk, key]) => {
    const x = wg.zeros(1, 1, n, n);
    const op = 'interpolate';
    rejects(() => F.interpolate(x, { size: 2, scaleFactor: 2 }), op, 'size and scaleFactor');
    rejects(() => F.interpolate(x, {}), op, 'neither size nor scaleFactor');
    rejects(() => F.interpolate(wg.zeros(n, n), { size: 2 }), op, '2-D input');
    rejects(() => F.interpolate(wg.zeros(1, 1, n), { size: 2, mode: 'bilinear' }), op, 'bilinear on 3-D');
    rejects(() => F.interpolate(x, { size: 2, alignCorners: true }), op, 'alignCorners with nearest');
    rejects(() => F.interpolate(x, { size: 0 }), op, 'size 0');
    rejects(() => F.interpolate(x, { size: frac }), op, `size ${frac}`);
    rejects(() => F.interpolate(x, { size: [2, 2, 2] }), op, 'three sizes for 2 dims');
    rejects(() => F.interpolate(x, { scaleFactor: -1 }), op, 'scaleFactor -1');
    rejects(() => F.interpolate(x, { scaleFactor: 1 / (2 * n) }), op, 'a factor that empties the output');
    rejects(() => F.interpolate(x, { size: 2, mode: 'bicubic' as never }), op, "mode 'bicubic'");
    rejects(() => F.interpolate(x, { size: 2, mode: junk as never }), op, `mode ${String(junk)}`);
    rejects(() => F.interpolate(x, { size: 2, [key]: 1 } as never), op, `option ${key}`);
    rejects(() => F.interpolate(x, 2, null, 'nearest', undefined, false, 3 as never), op, 'too many positional arguments');
    rejects(() => F.interpolate(junk as Tensor, { size: 2 }), op, `interpolate(${String(junk)})`);
  }, 15);

const poolArb = fc.record({
  threeD: fc.boolean(), N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 2 }), H: fc.integer({ min: 1, max: 6 }), W: fc.integer({ min: 1, max: 6 }),
  out: fc.tuple(fc.option(fc.integer({ min: 1, max: 7 })), fc.option(fc.integer({ min: 1, max: 7 }))), single: fc.boolean(),
}).chain((r) => dataOf(r.threeD ? [r.C, r.H, r.W] : [r.N, r.C, r.H, r.W]).map((x) => ({ x, ...r })));

prop('F.adaptiveAvgPool2d', 'adaptiveAvgPool2d(outputSize): PyTorch windows for any output size (larger than the input too; null keeps a size), 3-D or 4-D, with gradient', poolArb, (c) => {
  const outputSize = c.single ? (c.out[0] ?? 1) : c.out;
  const [H, W] = c.x.shape.slice(-2);
  const OH = c.single ? (c.out[0] ?? 1) : (c.out[0] ?? H), OW = c.single ? (c.out[0] ?? 1) : (c.out[1] ?? W);
  const ref = ([t]: Nd[]) => {
    const x4 = t.shape.length === 3 ? new Nd([1, ...t.shape], t.data) : t;
    const y = resampleRef(x4, windowRows(windows(H, OH)), windowRows(windows(W, OW)), [...x4.shape.slice(0, 2), OH, OW]);
    return t.shape.length === 3 ? new Nd(y.shape.slice(1), y.data) : y;
  };
  const want = ref([N(c.x)]);
  const out = F.adaptiveAvgPool2d(T(c.x), outputSize);
  sameShape(out, want.shape, `adaptiveAvgPool2d [${c.x.shape}] to ${JSON.stringify(outputSize)}`);
  close(out.data(), want.data, `adaptiveAvgPool2d [${c.x.shape}] to ${JSON.stringify(outputSize)}`, 1e-5, 1e-6);
  // whole windows: the same as an average pool
  if (H % OH === 0 && W % OW === 0) close(out.data(), F.avgPool2d(T(c.x), [H / OH, W / OW]).data(), 'adaptiveAvgPool2d vs avgPool2d on whole windows', 1e-6, 1e-6);
  gradMatches(`adaptiveAvgPool2d [${c.x.shape}] to ${JSON.stringify(outputSize)}`, ([t]) => F.adaptiveAvgPool2d(t, outputSize), ref, [c.x]);
}, 50);

prop('F.adaptiveAvgPool2d', 'adaptiveAvgPool2d: wrong ranks, zero, negative or fractional sizes, three sizes and non-tensors are errors naming adaptiveAvgPool2d', fc.tuple(nonIntegerArb, junkArb), ([frac, junk]) => {
  const x = wg.zeros(1, 1, 3, 3);
  const op = 'adaptiveAvgPool2d';
  rejects(() => F.adaptiveAvgPool2d(wg.zeros(3, 3), 1), op, '2-D input');
  rejects(() => F.adaptiveAvgPool2d(wg.zeros(1, 1, 1, 3, 3), 1), op, '5-D input');
  rejects(() => F.adaptiveAvgPool2d(x, 0), op, 'size 0');
  rejects(() => F.adaptiveAvgPool2d(x, [2, -1]), op, 'size -1');
  rejects(() => F.adaptiveAvgPool2d(x, frac), op, `size ${frac}`);
  rejects(() => F.adaptiveAvgPool2d(x, [1, 1, 1]), op, 'three sizes');
  rejects(() => F.adaptiveAvgPool2d(x, junk as number), op, `size ${String(junk)}`);
  rejects(() => F.adaptiveAvgPool2d(junk as Tensor, 1), op, `adaptiveAvgPool2d(${String(junk)})`);
}, 15);
