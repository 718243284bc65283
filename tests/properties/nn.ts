/** Properties of the nn ops: convolutions, pooling, losses, dropout, layerNorm, embedding, attention. */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, conv2dRef, poolRef, forEachIndex, strides } from '../helpers/ref.js';
import { batchNormRef } from '../helpers/ref-layers.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataArb, dataOf, shapeArb, junkArb, nonIntegerArb, Data } from './harness.js';

const F = wg.nn.functional;

// ---- conv2d -----------------------------------------------------------------------------------

interface ConvCase { x: Data; w: Data; b: Data | null; stride: [number, number]; pad: [number, number] | 'same'; dil: [number, number] }

const convArb: fc.Arbitrary<ConvCase> = fc.record({
  N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 3 }), OC: fc.integer({ min: 1, max: 3 }),
  KH: fc.integer({ min: 1, max: 3 }), KW: fc.integer({ min: 1, max: 3 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  dil: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  pad: fc.oneof(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), fc.constant('same' as const)),
  extraH: fc.integer({ min: 0, max: 3 }), extraW: fc.integer({ min: 0, max: 3 }), bias: fc.boolean(),
}).chain((c) => {
  const stride: [number, number] = c.pad === 'same' ? [1, 1] : c.stride;
  const H = c.dil[0] * (c.KH - 1) + 1 + c.extraH, W = c.dil[1] * (c.KW - 1) + 1 + c.extraW;
  return fc.record({
    x: dataOf([c.N, c.C, H, W]), w: dataOf([c.OC, c.C, c.KH, c.KW]), b: c.bias ? dataOf([c.OC]) : fc.constant(null),
    stride: fc.constant(stride), pad: fc.constant(c.pad), dil: fc.constant(c.dil),
  });
});

function convRef(c: ConvCase) {
  const [, , H, W] = c.x.shape, [, , KH, KW] = c.w.shape;
  const th = c.dil[0] * (KH - 1), tw = c.dil[1] * (KW - 1);
  const [pT, pL, pB, pR] = c.pad === 'same' ? [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)] : [c.pad[0], c.pad[1], c.pad[0], c.pad[1]];
  const OH = Math.floor((H + pT + pB - th - 1) / c.stride[0]) + 1, OW = Math.floor((W + pL + pR - tw - 1) / c.stride[1]) + 1;
  return (xs: Nd[]) => conv2dRef(xs[0], xs[1], xs[2] ?? null, { stride: c.stride, padTop: pT, padLeft: pL, dil: c.dil, OH, OW });
}

prop('F.conv2d', 'conv2d: any stride, padding (numbers or same), dilation and bias equals the float64 convolution, positional or options', convArb, (c) => {
  const ref = convRef(c);
  const ins = c.b ? [c.x, c.w, c.b] : [c.x, c.w];
  const want = ref(ins.map(N));
  const byOptions = F.conv2d(T(c.x), T(c.w), c.b ? T(c.b) : null, { stride: c.stride, padding: c.pad, dilation: c.dil });
  const positional = F.conv2d(T(c.x), T(c.w), c.b ? T(c.b) : null, c.stride, c.pad, c.dil);
  for (const out of [byOptions, positional]) {
    sameShape(out, want.shape, 'conv2d');
    close(out.data(), want.data, `conv2d x [${c.x.shape}] w [${c.w.shape}] stride ${c.stride} pad ${c.pad} dil ${c.dil}`, 1e-5, 2e-5);
  }
}, 40);

prop('F.conv2d', 'conv2d: gradients of input, weight and bias match finite differences', convArb, (c) => {
  gradMatches('conv2d', (ts) => F.conv2d(ts[0], ts[1], ts[2] ?? null, { stride: c.stride, padding: c.pad, dilation: c.dil }), convRef(c), c.b ? [c.x, c.w, c.b] : [c.x, c.w]);
}, 15);

prop('F.conv2d', 'conv2d: channel mismatch, too-small inputs, bad stride/padding/dilation/groups are errors naming conv2d', fc.tuple(fc.integer({ min: 1, max: 3 }), nonIntegerArb, junkArb, fc.integer({ min: 2, max: 4 })), ([C, frac, junk, g]) => {
  const x = wg.zeros(1, C, 4, 4);
  rejects(() => F.conv2d(x, wg.zeros(2, C + 1, 3, 3)), 'conv2d', 'channels');
  rejects(() => F.conv2d(x, wg.zeros(2, C, 5, 5)), 'conv2d', 'kernel larger than input');
  rejects(() => F.conv2d(x, wg.zeros(2, C, 3, 3), null, { stride: 0 }), 'conv2d', 'stride 0');
  rejects(() => F.conv2d(x, wg.zeros(2, C, 3, 3), null, frac), 'conv2d', `stride ${frac}`);
  rejects(() => F.conv2d(x, wg.zeros(2, C, 3, 3), null, 1, junk as number), 'conv2d', `padding ${String(junk)}`);
  rejects(() => F.conv2d(x, wg.zeros(2, C, 3, 3), null, { groups: g }), 'conv2d', `groups ${g}`);
  rejects(() => F.conv2d(x, wg.zeros(2, C, 3, 3), null, { strides: 1 } as never), 'conv2d', 'unknown option');
  rejects(() => F.conv2d(x, wg.zeros(2, C, 3, 3), null, 2, { padding: 'same' }), 'conv2d', "'same' with stride 2");
  rejects(() => F.conv2d(junk as Tensor, wg.zeros(2, C, 3, 3)), 'conv2d', `input ${String(junk)}`);
}, 15);

// ---- convTranspose2d --------------------------------------------------------------------------

function convTransposeRef(s: [number, number], p: [number, number], d: [number, number], op: [number, number]) {
  return (xs: Nd[]) => {
    const [x, w, b] = xs;
    const [Nn, , H, W] = x.shape, [IC, OC, KH, KW] = w.shape;
    const OH = (H - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op[0] + 1, OW = (W - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op[1] + 1;
    const out = Nd.zeros([Nn, OC, OH, OW]);
    for (let n = 0; n < Nn; n++) for (let ic = 0; ic < IC; ic++) for (let h = 0; h < H; h++) for (let ww = 0; ww < W; ww++) {
      const v = x.data[((n * IC + ic) * H + h) * W + ww];
      for (let oc = 0; oc < OC; oc++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
        const oh = h * s[0] - p[0] + kh * d[0], ow = ww * s[1] - p[1] + kw * d[1];
        if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
        out.data[((n * OC + oc) * OH + oh) * OW + ow] += v * w.data[((ic * OC + oc) * KH + kh) * KW + kw];
      }
    }
    if (b) forEachIndex(out.shape, (idx, flat) => { out.data[flat] += b.data[idx[1]]; });
    return out;
  };
}

prop('F.convTranspose2d', 'convTranspose2d: any stride, padding, dilation, outputPadding and bias equals the float64 adjoint convolution, with gradients', fc.record({
  N: fc.integer({ min: 1, max: 2 }), IC: fc.integer({ min: 1, max: 3 }), OC: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 4 }), W: fc.integer({ min: 1, max: 4 }),
  K: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  p: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  op: fc.tuple(fc.nat(2), fc.nat(2)), bias: fc.boolean(),
}).filter((c) => c.op[0] < Math.max(c.s[0], c.d[0]) && c.op[1] < Math.max(c.s[1], c.d[1])
  && (c.H - 1) * c.s[0] - 2 * c.p[0] + c.d[0] * (c.K[0] - 1) + c.op[0] + 1 > 0 && (c.W - 1) * c.s[1] - 2 * c.p[1] + c.d[1] * (c.K[1] - 1) + c.op[1] + 1 > 0)
  .chain((c) => fc.tuple(fc.constant(c), dataOf([c.N, c.IC, c.H, c.W]), dataOf([c.IC, c.OC, ...c.K]), c.bias ? dataOf([c.OC]) : fc.constant(null))), ([c, x, w, b]) => {
  const ref = convTransposeRef(c.s, c.p, c.d, c.op as [number, number]);
  const ins = b ? [x, w, b] : [x, w];
  const want = ref(ins.map(N));
  const out = F.convTranspose2d(T(x), T(w), b ? T(b) : null, c.s, c.p, c.op as [number, number], 1, c.d);
  sameShape(out, want.shape, 'convTranspose2d');
  close(out.data(), want.data, `convTranspose2d x [${x.shape}] w [${w.shape}] ${JSON.stringify(c)}`, 1e-5, 2e-5);
  gradMatches('convTranspose2d', (ts) => F.convTranspose2d(ts[0], ts[1], ts[2] ?? null, { stride: c.s, padding: c.p, outputPadding: c.op as [number, number], dilation: c.d }), ref, ins);
}, 25);

// ---- pooling ------------------------------------------------------------------------------------

const poolArb = fc.record({
  lead: shapeArb(1, 2, 1, 2), k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  s: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))), extra: fc.tuple(fc.nat(3), fc.nat(3)), padOn: fc.tuple(fc.boolean(), fc.boolean()),
}).chain((c) => {
  const p: [number, number] = [c.padOn[0] ? Math.floor(c.k[0] / 2) : 0, c.padOn[1] ? Math.floor(c.k[1] / 2) : 0];
  // 'big': a window's float32 sum of values near ±3.4e38 overflows (as in PyTorch) before it is averaged
  return fc.tuple(fc.constant({ k: c.k, s: c.s ?? c.k, p, given: c.s }), dataOf([...c.lead, c.k[0] + c.extra[0], c.k[1] + c.extra[1]], 'big'));
});

for (const [name, fn, mode] of [['maxPool2d', F.maxPool2d, 'max'], ['avgPool2d', F.avgPool2d, 'avg']] as const) {
  prop(`F.${name}`, `${name}: any kernel, stride (default = kernel) and padding, 3-D or 4-D input, equals the reference; positional = options`, poolArb, ([c, x]) => {
    const want = poolRef(N(x), c.k, c.s, c.p, mode);
    const byOptions = fn(T(x), { kernelSize: c.k, stride: c.given ?? undefined, padding: c.p });
    const positional = fn(T(x), c.k, c.given ?? null, c.p);
    for (const out of [byOptions, positional]) {
      sameShape(out, want.shape, name);
      // an average of float32 values cancels: its error scales with the largest |x| summed
      const big = Math.max(0, ...x.values.map(Math.abs));
      close(out.data(), want.data, `${name} [${x.shape}] k ${c.k} s ${c.s} p ${c.p}`, mode === 'avg' ? 2e-6 : 0, mode === 'avg' ? 1e-6 * big : 0);
    }
  }, 40);
  prop(`F.${name}`, `${name}: the gradient matches finite differences`, poolArb.map(([c, x]) => [c, { shape: x.shape, values: x.values.map((v, i) => Math.fround(Math.max(-4, Math.min(4, v)) + i * 1e-2)) }] as const), ([c, x]) => {
    gradMatches(name, ([t]) => fn(t, c.k, c.s, c.p), ([t]) => poolRef(t, c.k, c.s, c.p, mode), [x]);
  }, 15);
  prop(`F.${name}`, `${name}: a kernel larger than the input, padding over half the kernel, or bad sizes are errors naming ${name}`, fc.tuple(fc.integer({ min: 1, max: 3 }), nonIntegerArb, junkArb), ([k, frac, junk]) => {
    const x = wg.zeros(1, 1, k + 1, k + 1);
    rejects(() => fn(x, k + 3), name, 'kernel larger');
    rejects(() => fn(x, k, 1, k), name, 'padding over half');
    rejects(() => fn(x, frac), name, `kernel ${frac}`);
    rejects(() => fn(x, junk as number), name, `kernel ${String(junk)}`);
    rejects(() => fn(x, { kernelSize: k, ceilMode: true }), name, 'ceilMode');
    rejects(() => fn(x, { kernel_size: k } as never), name, 'unknown option');
    rejects(() => fn(wg.zeros(k + 1, k + 1), k), name, '2-D input');
  }, 15);
}

// ---- losses ------------------------------------------------------------------------------------

type Reduction = 'mean' | 'sum' | 'none';
const reduce = (v: number[], r: Reduction, denom = v.length): Nd => (r === 'none' ? Nd.from([v.length], v) : new Nd([], Float64Array.of(v.reduce((a, b) => a + b, 0) / (r === 'mean' ? denom : 1))));

interface ClassCase { x: Data; labels: number[]; weight: number[] | null; ignoreIndex: number | undefined; eps: number; reduction: Reduction }

const classArb: fc.Arbitrary<ClassCase> = fc.record({
  N: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 5 }), weighted: fc.boolean(), ignore: fc.constantFrom(undefined, -100, 0, 1),
  eps: fc.constantFrom(0, 0, 0.1, 0.5, 1), reduction: fc.constantFrom('mean', 'sum', 'none') as fc.Arbitrary<Reduction>,
}).chain((c) => fc.record({
  x: dataOf([c.N, c.C], 'small'),
  labels: fc.array(fc.integer({ min: c.ignore === -100 ? -1 : 0, max: c.C - 1 }), { minLength: c.N, maxLength: c.N }).map((l) => l.map((v) => (v === -1 ? -100 : v))),
  weight: c.weighted ? fc.array(fc.float({ min: Math.fround(0.1), max: 2, noNaN: true }), { minLength: c.C, maxLength: c.C }) : fc.constant(null),
  ignoreIndex: fc.constant(c.ignore), eps: fc.constant(c.eps), reduction: fc.constant(c.reduction),
})).filter((c) => c.labels.some((l) => l !== (c.ignoreIndex ?? -100)) || c.reduction !== 'mean'); // all ignored: 0/0 = NaN, as in PyTorch

/** PyTorch 1.13's cross_entropy / nll_loss formulas in float64 (checked against torch in tests/pytorch-args.test.ts). */
function classLossRef(c: ClassCase, logProbs: boolean) {
  return ([x]: Nd[]): Nd => {
    const [n, C] = x.shape;
    const ign = c.ignoreIndex ?? -100;
    const nll: number[] = [], smooth: number[] = [];
    let wsum = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(x.data.subarray(i * C, (i + 1) * C));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      const logp = logProbs ? row : row.map((v) => v - lse);
      const y = c.labels[i];
      if (y === ign) { nll.push(0); smooth.push(0); continue; }
      const w = c.weight ? c.weight[y] : 1;
      wsum += w;
      nll.push(-w * logp[y]);
      smooth.push(-logp.reduce((s, v, k) => s + (c.weight ? c.weight[k] : 1) * v, 0));
    }
    const a = reduce(nll, c.reduction, wsum), b = reduce(smooth, c.reduction, wsum);
    return c.eps === 0 || logProbs ? a : new Nd(a.shape, a.data.map((v, i) => (1 - c.eps) * v + (c.eps / C) * b.data[i]));
  };
}

for (const [name, logProbs] of [['crossEntropy', false], ['nllLoss', true]] as const) {
  const fn = name === 'crossEntropy' ? F.crossEntropy : F.nllLoss;
  prop([`F.${name}`, `nn.${name === 'crossEntropy' ? 'CrossEntropyLoss' : 'NLLLoss'}`], `${name}: random weight, ignoreIndex${logProbs ? '' : ', labelSmoothing'} and reduction equal PyTorch's formula, with gradient`, classArb, (c) => {
    const options: Record<string, unknown> = { reduction: c.reduction };
    if (c.weight) options.weight = wg.tensor(c.weight);
    if (c.ignoreIndex !== undefined) options.ignoreIndex = c.ignoreIndex;
    if (!logProbs && c.eps > 0) options.labelSmoothing = c.eps;
    const ref = classLossRef({ ...c, eps: logProbs ? 0 : c.eps }, logProbs);
    const out = fn(T(c.x), c.labels, options);
    close(out.data(), ref([N(c.x)]).data, `${name} ${JSON.stringify({ ...c, x: c.x.shape })}`, 1e-5, 1e-6);
    const Module = name === 'crossEntropy' ? wg.nn.CrossEntropyLoss : wg.nn.NLLLoss;
    close(new Module(options)(T(c.x), wg.tensor(c.labels)).data(), out.data(), `nn module of ${name}`, 0, 0);
    gradMatches(name, ([t]) => fn(t, c.labels, options), ref, [c.x]);
  }, 40);
}

prop(['F.crossEntropy', 'F.nllLoss'], 'class losses: labels that are fractions, out of [0, C), NaN, or miscounted, and bad options are errors naming the op', fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 }), nonIntegerArb, fc.integer({ min: 0, max: 3 }), junkArb), ([n, C, frac, over, junk]) => {
  const x = wg.zeros(n, C);
  for (const [name, fn] of [['crossEntropy', F.crossEntropy], ['nllLoss', F.nllLoss]] as const) {
    rejects(() => fn(x, [frac, ...Array(n - 1).fill(0)]), name, `label ${frac}`);
    rejects(() => fn(x, wg.tensor([C + over, ...Array(n - 1).fill(0)])), name, `label ${C + over}`);
    rejects(() => fn(x, Array(n + 1).fill(0)), name, 'label count');
    rejects(() => fn(x, Array(n).fill(0), { reduction: junk } as never), name, `reduction ${String(junk)}`);
    rejects(() => fn(x, Array(n).fill(0), { weight: wg.ones(C + 1) }), name, 'weight shape');
    rejects(() => fn(x, junk as number[]), name, `target ${String(junk)}`);
    rejects(() => fn(junk as Tensor, [0]), name, `input ${String(junk)}`);
  }
  rejects(() => F.crossEntropy(x, Array(n).fill(0), { labelSmoothing: 1 + over + 0.5 }), 'crossEntropy', 'labelSmoothing > 1');
}, 20);

const elementLossArb = shapeArb(0, 3, 1, 4).chain((s) => fc.record({
  // 'big', not 'wide': beyond ~1e37, posWeight·softplus(−x) overflows float32 as it does in PyTorch
  s: fc.constant(s), p: dataOf(s, 'unit'), logits: dataOf(s, 'big'), t: dataOf(s, 'unit'), w: fc.option(dataOf(s.slice(-1), 'unit')), pos: fc.option(dataOf(s.slice(-1), 'pos')),
  reduction: fc.constantFrom('mean', 'sum', 'none') as fc.Arbitrary<Reduction>,
}));

prop(['F.mseLoss', 'nn.MSELoss'], 'mseLoss: any shape and reduction equals mean((x − t)²), with gradients', elementLossArb, ({ p, t, reduction }) => {
  const ref = ([a, b]: Nd[]) => {
    const v = Array.from(a.data, (x, i) => (x - b.data[i]) ** 2);
    const r = reduce(v, reduction);
    return reduction === 'none' ? new Nd(a.shape, r.data) : r;
  };
  close(F.mseLoss(T(p), T(t), { reduction }).data(), ref([N(p), N(t)]).data, 'mseLoss', 1e-5, 1e-7);
  close(new wg.nn.MSELoss(undefined, undefined, reduction)(T(p), T(t)).data(), F.mseLoss(T(p), T(t), { reduction }).data(), 'MSELoss positional reduction', 0, 0);
  gradMatches('mseLoss', ([a, b]) => F.mseLoss(a, b, { reduction }), ref, [p, t]);
}, 30);

prop(['F.binaryCrossEntropy', 'nn.BCELoss'], 'binaryCrossEntropy: probabilities, soft targets, a broadcast weight, any reduction', elementLossArb, ({ p, t, w, reduction }) => {
  const ref = ([a, b]: Nd[]) => {
    const v = Array.from(a.data, (x, i) => -(b.data[i] * Math.max(Math.log(x), -100) + (1 - b.data[i]) * Math.max(Math.log(1 - x), -100)) * (w ? w.values[i % w.values.length] : 1));
    const r = reduce(v, reduction);
    return reduction === 'none' ? new Nd(a.shape, r.data) : r;
  };
  const options = { reduction, ...(w ? { weight: T(w) } : {}) };
  close(F.binaryCrossEntropy(T(p), T(t), options).data(), ref([N(p), N(t)]).data, 'binaryCrossEntropy', 2e-5, 1e-6);
  close(new wg.nn.BCELoss(options)(T(p), T(t)).data(), F.binaryCrossEntropy(T(p), T(t), options).data(), 'BCELoss', 0, 0);
  gradMatches('binaryCrossEntropy', ([a]) => F.binaryCrossEntropy(a, T(t), options), ref.length ? (xs: Nd[]) => ref([xs[0], N(t)]) : ref, [p]);
}, 30);

prop(['F.binaryCrossEntropyWithLogits', 'nn.BCEWithLogitsLoss'], 'binaryCrossEntropyWithLogits: logits up to ±1e36 stay finite; weight, posWeight, reduction as PyTorch', elementLossArb, ({ logits, t, w, pos, reduction }) => {
  const sp = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
  const ref = ([a, b]: Nd[]) => {
    const v = Array.from(a.data, (x, i) => {
      const pw = pos ? pos.values[i % pos.values.length] : 1;
      const lw = 1 + (pw - 1) * b.data[i];
      return ((1 - b.data[i]) * x + lw * sp(-x)) * (w ? w.values[i % w.values.length] : 1);
    });
    const r = reduce(v, reduction);
    return reduction === 'none' ? new Nd(a.shape, r.data) : r;
  };
  const options = { reduction, ...(w ? { weight: T(w) } : {}), ...(pos ? { posWeight: T(pos) } : {}) };
  const out = F.binaryCrossEntropyWithLogits(T(logits), T(t), options);
  // (1 − t)·x + t·softplus(−x) cancels for |x| ≫ 1: float32 keeps ~1e-7 of |x|
  const scale = Math.max(1, ...logits.values.map(Math.abs));
  close(out.data(), ref([N(logits), N(t)]).data, 'binaryCrossEntropyWithLogits', 1e-5, 4e-7 * scale * (reduction === 'none' ? 1 : logits.values.length));
}, 40);

prop(['F.mseLoss', 'F.binaryCrossEntropy', 'F.binaryCrossEntropyWithLogits'], 'elementwise losses: shape mismatches, unknown options and bad reductions are errors naming the op', fc.tuple(shapeArb(1, 3, 1, 3), junkArb), ([s, junk]) => {
  const other = [...s.slice(0, -1), s[s.length - 1] + 1];
  for (const [name, fn] of [['mseLoss', F.mseLoss], ['binaryCrossEntropy', F.binaryCrossEntropy], ['binaryCrossEntropyWithLogits', F.binaryCrossEntropyWithLogits]] as const) {
    rejects(() => fn(wg.full(s, 0.5), wg.full(other, 0.5)), name, `[${s}] vs [${other}]`);
    rejects(() => fn(wg.full(s, 0.5), wg.full(s, 0.5), { reduction: junk } as never), name, `reduction ${String(junk)}`);
    rejects(() => fn(wg.full(s, 0.5), wg.full(s, 0.5), { reduce: true } as never), name, 'unknown option');
    rejects(() => fn(junk as Tensor, wg.full(s, 0.5)), name, `input ${String(junk)}`);
  }
}, 15);

// ---- dropout -------------------------------------------------------------------------------------

prop(['F.dropout', 'F.dropout2d', 'nn.Dropout', 'nn.Dropout2d'], 'dropout/dropout2d: every output is 0 or x/(1 − p) (whole channels for 2d), identity when not training; bad p is an error', fc.tuple(dataArb(fc.constant([2, 3, 4, 4]), 'away'), fc.constantFrom(0, 0.25, 0.5, 0.9, 1), nonIntegerArb), ([x, p, frac]) => {
  wg.manualSeed(7);
  const y = F.dropout(T(x), p).data();
  y.forEach((v, i) => {
    const keep = Math.fround(x.values[i] * Math.fround(p === 1 ? 0 : 1 / (1 - p)));
    if (v !== 0 && Math.abs(v - keep) > 1e-6 * Math.abs(keep)) throw new Error(`dropout p ${p}: ${v} is neither 0 nor ${keep}`);
  });
  if (p === 1 && y.some((v) => v !== 0)) throw new Error('dropout p 1 kept a value');
  close(F.dropout(T(x), p, false).data(), x.values, 'dropout not training', 0, 0);
  const y2 = F.dropout2d(T(x), p).data();
  for (let c = 0; c < 6; c++) {
    const plane = Array.from(y2.subarray(c * 16, c * 16 + 16));
    if (!(plane.every((v) => v === 0) || plane.every((v, i) => Math.abs(v - x.values[c * 16 + i] / (1 - p)) <= 1e-5 * Math.abs(x.values[c * 16 + i] / (1 - p))))) {
      throw new Error(`dropout2d p ${p}: channel ${c} is partly dropped`);
    }
  }
  const d = new wg.nn.Dropout(p);
  d.eval();
  close(d(T(x)).data(), x.values, 'nn.Dropout in eval', 0, 0);
  rejects(() => F.dropout(T(x), 1.25 + Math.abs(frac)), 'dropout', `p ${1.25 + Math.abs(frac)}`);
  rejects(() => F.dropout2d(T(x), -0.5), 'dropout2d', 'p −0.5');
  rejects(() => new wg.nn.Dropout2d(2), 'Dropout2d', 'p 2');
}, 15);

// ---- layerNorm, embedding, attention ---------------------------------------------------------------

prop(['F.layerNorm', 'nn.LayerNorm'], 'layerNorm: normalising any trailing dims, with or without weight/bias, equals the float64 reference and its gradient', shapeArb(1, 2, 1, 3).chain((lead) => shapeArb(1, 2, 2, 4).chain((ns) => fc.tuple(fc.constant(ns), dataOf([...lead, ...ns], 'small'), fc.option(dataOf(ns)), fc.option(dataOf(ns))))), ([ns, x, w, b]) => {
  const n = ns.reduce((p, q) => p * q, 1);
  const ref = (xs: Nd[]) => {
    const [t, ww, bb] = xs;
    const out = Nd.zeros(t.shape);
    for (let r = 0; r < t.size / n; r++) {
      const row = t.data.subarray(r * n, (r + 1) * n);
      const m = row.reduce((s, v) => s + v, 0) / n;
      const v = row.reduce((s, q) => s + (q - m) ** 2, 0) / n;
      for (let j = 0; j < n; j++) out.data[r * n + j] = (row[j] - m) / Math.sqrt(v + 1e-5) * (ww ? ww.data[j] : 1) + (bb ? bb.data[j] : 0);
    }
    return out;
  };
  const ins = [x, ...(w ? [w] : []), ...(w && b ? [b] : [])];
  const engine = (ts: Tensor[]) => F.layerNorm(ts[0], ns, ts[1] ?? null, ts[2] ?? null);
  close(engine(ins.map((d) => T(d))).data(), ref(ins.map(N)).data, `layerNorm [${x.shape}] over [${ns}]`, 1e-4, 1e-4);
  gradMatches(`layerNorm [${x.shape}]`, engine, ref, ins, ins.map(() => true), 5e-3, 1e-3);
  rejects(() => F.layerNorm(T(x), [...ns.slice(0, -1), ns[ns.length - 1] + 1]), 'layerNorm', 'shape mismatch');
  rejects(() => new wg.nn.LayerNorm(ns, { eps: -1 }), 'LayerNorm', 'eps −1');
}, 25);

prop(['F.batchNorm'], 'batchNorm: per-channel statistics over the batch and every trailing dim (training) or running ones (eval), with or without weight/bias, equal the float64 reference and its gradient', fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 }), shapeArb(0, 2, 1, 5)).chain(([n, c, rest]) => fc.tuple(dataOf([n, c, ...rest], 'small'), fc.option(fc.tuple(dataOf([c]), dataOf([c]))), dataOf([c]), dataOf([c], 'pos'))), ([x, wb, rm, rv]) => {
  const ins = [x, ...(wb ? wb : [])];
  const engine = (ts: Tensor[]) => F.batchNorm(ts[0], null, null, ts[1] ?? null, ts[2] ?? null, true);
  const ref = (xs: Nd[]) => batchNormRef(xs[0], xs[1] ?? null, xs[2] ?? null, 1e-5);
  close(engine(ins.map((d) => T(d))).data(), ref(ins.map(N)).data, `batchNorm [${x.shape}]`, 1e-3, 1e-3);
  gradMatches(`batchNorm [${x.shape}]`, engine, ref, ins, ins.map(() => true), 1e-2, 1e-3);
  // eval: constants mean and variance, so y = (x − rm)/√(rv + eps)·w + b elementwise per channel
  const C = x.shape[1], S = x.values.length / (x.shape[0] * C);
  const evalRef = (xs: Nd[]) => new Nd(xs[0].shape, xs[0].data.map((v, i) => {
    const ch = Math.floor(i / S) % C;
    return (v - rm.values[ch]) / Math.sqrt(rv.values[ch] + 1e-5) * (xs[1] ? xs[1].data[ch] : 1) + (xs[2] ? xs[2].data[ch] : 0);
  }));
  const evalEngine = (ts: Tensor[]) => F.batchNorm(ts[0], T(rm), T(rv), ts[1] ?? null, ts[2] ?? null, false);
  close(evalEngine(ins.map((d) => T(d))).data(), evalRef(ins.map(N)).data, `batchNorm eval [${x.shape}]`, 1e-4, 1e-4);
  gradMatches(`batchNorm eval [${x.shape}]`, evalEngine, evalRef, ins, ins.map(() => true), 5e-3, 1e-3);
  rejects(() => F.batchNorm(T(x), null, null, T({ shape: [C + 1], values: new Array(C + 1).fill(1) })), 'batchNorm', 'weight of the wrong size');
}, 25);

prop(['F.embedding', 'nn.Embedding'], 'embedding: rows picked by indices of any shape, the gradient adds per row (paddingIdx row stays 0)', fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })).chain(([rows, D]) => fc.tuple(dataOf([rows, D]), shapeArb(0, 3, 0, 3).chain((s) => fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: s.reduce((p, q) => p * q, 1), maxLength: s.reduce((p, q) => p * q, 1) }).map((v) => ({ shape: s, values: v }))), fc.option(fc.integer({ min: 0, max: rows - 1 })))), ([w, idx, pad]) => {
  const D = w.shape[1];
  const ref = ([ww]: Nd[]) => new Nd([...idx.shape, D], Float64Array.from(idx.values.flatMap((r) => Array.from(ww.data.subarray(r * D, (r + 1) * D)))));
  const wt = T(w, true);
  const out = F.embedding(T(idx), wt, pad ?? null);
  sameShape(out, [...idx.shape, D], 'embedding');
  close(out.data(), ref([N(w)]).data, 'embedding', 0, 0);
  if (out.size > 0) {
    out.sum().backward();
    const counts = new Array(w.shape[0]).fill(0);
    for (const r of idx.values) counts[r]++;
    close(wt.grad!.data(), counts.flatMap((c, r) => Array(D).fill(r === pad ? 0 : c)), 'embedding gradient', 0, 0);
  }
  rejects(() => F.embedding([w.shape[0]], wt), 'embedding', 'index = rows');
  rejects(() => F.embedding([0.5], wt), 'embedding', 'index 0.5');
}, 30);

prop(['F.scaledDotProductAttention', 'nn.MultiheadAttention'], 'scaledDotProductAttention: batched softmax(q·kᵀ·scale + mask)·v equals the float64 reference (causal, masks, scale), with gradients', fc.record({
  batch: shapeArb(0, 2, 1, 2), L: fc.integer({ min: 1, max: 4 }), S: fc.integer({ min: 1, max: 4 }), E: fc.integer({ min: 1, max: 4 }), Ev: fc.integer({ min: 1, max: 3 }),
  causal: fc.boolean(), mask: fc.boolean(), scale: fc.option(fc.float({ min: Math.fround(0.1), max: 2, noNaN: true })),
}).chain((c) => fc.tuple(fc.constant(c), dataOf([...c.batch, c.L, c.E]), dataOf([...c.batch, c.S, c.E]), dataOf([...c.batch, c.S, c.Ev]), dataOf([c.L, c.S]))), ([c, q, k, v, m]) => {
  const causal = c.causal && !c.mask;
  const scale = c.scale ?? 1 / Math.sqrt(c.E);
  const ref = ([qq, kk, vv]: Nd[]) => {
    const B = c.batch.reduce((p, r) => p * r, 1);
    const out = Nd.zeros([...c.batch, c.L, c.Ev]);
    for (let b = 0; b < B; b++) for (let i = 0; i < c.L; i++) {
      const s: number[] = [];
      for (let j = 0; j < c.S; j++) {
        let d = 0;
        for (let e = 0; e < c.E; e++) d += qq.data[(b * c.L + i) * c.E + e] * kk.data[(b * c.S + j) * c.E + e];
        s.push(causal && j > i ? -Infinity : d * scale + (c.mask ? m.values[i * c.S + j] : 0));
      }
      const mx = Math.max(...s);
      const p = s.map((x) => (x === -Infinity ? 0 : Math.exp(x - mx)));
      const z = p.reduce((a, x) => a + x, 0);
      for (let e = 0; e < c.Ev; e++) out.data[(b * c.L + i) * c.Ev + e] = p.reduce((a, x, j) => a + x / z * vv.data[(b * c.S + j) * c.Ev + e], 0);
    }
    return out;
  };
  const opts = { isCausal: causal, attnMask: c.mask ? T(m) : null, scale: c.scale ?? null };
  const out = F.scaledDotProductAttention(T(q), T(k), T(v), opts);
  sameShape(out, [...c.batch, c.L, c.Ev], 'scaledDotProductAttention');
  close(out.data(), ref([N(q), N(k), N(v)]).data, `scaledDotProductAttention ${JSON.stringify(c)}`, 1e-5, 1e-5);
  gradMatches('scaledDotProductAttention', ([a, b, d]) => F.scaledDotProductAttention(a, b, d, opts), ref, [q, k, v]);
}, 25);

prop(['nn.Conv2d', 'nn.ConvTranspose2d', 'nn.MaxPool2d', 'nn.AvgPool2d', 'nn.Linear', 'nn.BatchNorm1d', 'nn.BatchNorm2d', 'nn.Flatten', 'nn.Embedding',
  'nn.ReLU', 'nn.Sigmoid', 'nn.Tanh', 'nn.LeakyReLU', 'nn.Softmax', 'nn.LogSoftmax', 'nn.GELU', 'nn.SiLU', 'nn.Identity', 'nn.Unflatten', 'nn.Sequential',
  'nn.AdaptiveAvgPool2d', 'nn.Upsample', 'nn.UpsamplingNearest2d', 'nn.UpsamplingBilinear2d', 'nn.ModuleList', 'nn.Module'],
'nn modules: forward equals the functional op on random inputs (modules are callable)', fc.tuple(dataOf([2, 3, 6, 6], 'small'), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })), ([x, k, s]) => {
  const nn = wg.nn, X = T(x);
  const pairs: [string, wg.nn.Module, () => Tensor][] = [];
  const conv = new nn.Conv2d(3, 2, k, s, 1);
  pairs.push(['Conv2d', conv, () => F.conv2d(X, conv.weight, conv.bias, s, 1)]);
  const ct = new nn.ConvTranspose2d(3, 2, k, s);
  pairs.push(['ConvTranspose2d', ct, () => F.convTranspose2d(X, ct.weight, ct.bias, s)]);
  pairs.push(['MaxPool2d', new nn.MaxPool2d(k, s), () => F.maxPool2d(X, k, s)]);
  pairs.push(['AvgPool2d', new nn.AvgPool2d({ kernelSize: k, stride: s }), () => F.avgPool2d(X, k, s)]);
  const lin = new nn.Linear(6, 4, s === 1);
  pairs.push(['Linear', lin, () => F.linear(X, lin.weight, lin.bias)]);
  pairs.push(['Flatten', new nn.Flatten(1, 2), () => X.flatten(1, 2)]);
  pairs.push(['ReLU', new nn.ReLU(), () => X.relu()], ['Sigmoid', new nn.Sigmoid(), () => X.sigmoid()], ['Tanh', new nn.Tanh(), () => X.tanh()]);
  pairs.push(['LeakyReLU', new nn.LeakyReLU(0.1 * k), () => X.leakyRelu(0.1 * k)], ['Softmax', new nn.Softmax(s), () => X.softmax(s)], ['LogSoftmax', new nn.LogSoftmax(-s), () => X.logSoftmax(-s)]);
  pairs.push(['GELU', new nn.GELU(k === 1 ? 'tanh' : 'none'), () => F.gelu(X, k === 1 ? 'tanh' : 'none')], ['SiLU', new nn.SiLU(), () => F.silu(X)], ['Identity', new nn.Identity(1, 2), () => X]);
  pairs.push(['Unflatten', new nn.Unflatten(2, [2, 3]), () => X.unflatten(2, [2, 3])]);
  pairs.push(['Sequential', new nn.Sequential(new nn.ReLU(), new nn.Flatten()), () => X.relu().flatten(1)]);
  pairs.push(['AdaptiveAvgPool2d', new nn.AdaptiveAvgPool2d(s === 1 ? 3 : [2, null]), () => F.adaptiveAvgPool2d(X, s === 1 ? 3 : [2, null])]);
  pairs.push(['Upsample', new nn.Upsample(null, k), () => F.interpolate(X, { scaleFactor: k })], ['UpsamplingNearest2d', new nn.UpsamplingNearest2d({ scaleFactor: k }), () => F.interpolate(X, { scaleFactor: k, mode: 'nearest' })]);
  pairs.push(['UpsamplingBilinear2d', new nn.UpsamplingBilinear2d(null, k), () => F.interpolate(X, { scaleFactor: k, mode: 'bilinear', alignCorners: true })]);
  const bn = new nn.BatchNorm2d(3);
  bn.eval();
  pairs.push(['BatchNorm2d (eval)', bn, () => X.div(Math.sqrt(1 + 1e-5))]);
  const bn1 = new nn.BatchNorm1d(6, { affine: false });
  pairs.push(['BatchNorm1d (train)', bn1, () => { const r = X.reshape([36, 6]); const m = r.mean(0, true); return r.sub(m).div(r.sub(m).square().mean(0, true).add(1e-5).sqrt()); }]);
  for (const [name, m, f] of pairs) {
    const input = name.startsWith('BatchNorm1d') ? X.reshape([36, 6]) : X;
    close(m(input).data(), f().data(), `nn.${name}`, 1e-5, 1e-5);
  }
  const emb = new nn.Embedding(5, 3);
  close(emb(wg.tensor([k, s])).data(), emb.weight.indexSelect(0, [k, s]).data(), 'nn.Embedding', 0, 0);
  const list = new nn.ModuleList([new nn.ReLU(), new nn.Tanh()]);
  close([...list].reduce<Tensor>((t, m) => m(t) as Tensor, X).data(), X.relu().tanh().data(), 'nn.ModuleList', 0, 0);
}, 10);
