/**
 * Properties of the API around the ops: factories and random tensors (PyTorch sizes), seeds,
 * module/optimiser/scheduler/loader constructors with random arguments and options (unknown keys
 * always rejected, listing the valid ones), optimiser steps, the data readers on random bytes,
 * checkpoints, the training loop and nn.init.
 */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor, nn, optim, data, train } from '../../bindings/index.js';
import { prop, close, rejects, sameShape, shapeArb, junkArb, nonIntegerArb, sizeOf, dataArb, T, validOrRejected } from './harness.js';

// ---- factories -----------------------------------------------------------------------------------

type Factory = (...args: unknown[]) => Tensor;
const SIZED: [string, Factory, ((t: Tensor) => void) | null][] = [
  ['zeros', wg.zeros as Factory, (t) => close(t.data(), new Array(t.size).fill(0), 'zeros', 0, 0)],
  ['ones', wg.ones as Factory, (t) => close(t.data(), new Array(t.size).fill(1), 'ones', 0, 0)],
  ['empty', wg.empty as Factory, null],
  ['rand', wg.rand as Factory, (t) => { if (!t.data().every((v) => v >= 0 && v < 1)) throw new Error('rand outside [0, 1)'); }],
  ['randn', wg.randn as Factory, (t) => { if (!t.data().every(Number.isFinite)) throw new Error('randn not finite'); }],
];

prop(SIZED.map(([n]) => n), 'sized factories: f(2, 3), f([2, 3]), f(x.shape) and options last give the same shape', fc.tuple(shapeArb(0, 4, 0, 4), fc.boolean(), fc.boolean()), ([s, asArray, grad]) => {
  for (const [name, f, check] of SIZED) {
    const args: unknown[] = asArray || s.length === 0 ? [s] : [...s];
    if (grad) args.push({ requiresGrad: true });
    const t = f(...args);
    sameShape(t, s, `${name}(${JSON.stringify(args)})`);
    if (t.requiresGrad !== grad) throw new Error(`${name}: requiresGrad ${t.requiresGrad}`);
    check?.(t);
    sameShape(f(t.shape), s, `${name}(x.shape)`);
  }
});

prop(SIZED.map(([n]) => n), 'sized factories: mixed or fractional sizes, negative dims, junk and unknown options are errors naming the factory', fc.tuple(shapeArb(1, 3, 1, 3), nonIntegerArb, fc.integer({ min: -5, max: -1 }), junkArb, fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== 'requiresGrad' && k !== '__proto__')), ([s, frac, neg, junk, key]) => {
  for (const [name, f] of SIZED) {
    rejects(() => f(s[0], [s[0]]), name, `${name}(n, [n])`);
    rejects(() => f(...s, frac), name, `${name}(..., ${frac})`);
    rejects(() => f([...s, neg]), name, `${name}([..., ${neg}])`);
    rejects(() => f(junk), name, `${name}(${String(junk)})`);
    rejects(() => f(s, { [key]: true }), name, `${name} option ${key}`);
    rejects(() => f(), name, `${name}()`);
  }
}, 25);

prop(['full', 'fullLike', 'zerosLike', 'onesLike', 'emptyLike', 'randLike', 'randnLike'], 'full(size, v) and the *Like factories: shape, values, options; bad arguments are errors naming them', fc.tuple(dataArb(shapeArb(0, 3, 0, 3)), fc.float({ noNaN: true }), junkArb), ([d, v, junk]) => {
  const x = T(d);
  close(wg.full(d.shape, v).data(), new Array(x.size).fill(v), `full(${v})`, 0, 0);
  close(wg.fullLike(x, v, { requiresGrad: true }).data(), new Array(x.size).fill(v), 'fullLike', 0, 0);
  close(wg.zerosLike(x).data(), new Array(x.size).fill(0), 'zerosLike', 0, 0);
  close(wg.onesLike(x).data(), new Array(x.size).fill(1), 'onesLike', 0, 0);
  for (const [name, f] of [['zerosLike', wg.zerosLike], ['onesLike', wg.onesLike], ['emptyLike', wg.emptyLike], ['randLike', wg.randLike], ['randnLike', wg.randnLike]] as const) {
    sameShape(f(x), d.shape, name);
    rejects(() => f(junk as Tensor), name, `${name}(${String(junk)})`);
    rejects(() => f(x, { dtype: 'float64' } as never), name, `${name} dtype`);
  }
  rejects(() => wg.full(d.shape.length ? d.shape[0] as never : 2 as never, v), 'full', 'full(n, v)');
  rejects(() => wg.full(d.shape, junk as number), 'full', `full value ${String(junk)}`);
}, 25);

prop(['tensor'], 'tensor(data, { shape, requiresGrad }): nested arrays, typed arrays and tensors round-trip; ragged or junk data are errors naming tensor', fc.tuple(dataArb(shapeArb(0, 3, 0, 3), 'wide'), junkArb), ([d, junk]) => {
  const nest = (dims: number[], flat: number[]): unknown => (dims.length === 0 ? flat[0] : Array.from({ length: dims[0] }, (_, i) => nest(dims.slice(1), flat.slice(i * sizeOf(dims.slice(1)), (i + 1) * sizeOf(dims.slice(1))))));
  const fromFlat = wg.tensor(Float32Array.from(d.values), { shape: d.shape });
  close(fromFlat.data(), d.values, 'tensor(Float32Array, { shape })', 0, 0);
  if (d.shape.every((s) => s > 0)) {
    const nested = wg.tensor(nest(d.shape, d.values) as wg.NestedArray);
    sameShape(nested, d.shape, 'tensor(nested)');
    close(nested.data(), d.values, 'tensor(nested)', 0, 0);
  }
  close(wg.tensor(fromFlat).data(), d.values, 'tensor(tensor)', 0, 0);
  rejects(() => wg.tensor(junk as number), 'tensor', `tensor(${String(junk)})`);
  rejects(() => wg.tensor([[1, 2], [3]]), 'tensor', 'ragged');
  rejects(() => wg.tensor([1, junk as number]), 'tensor', 'junk element');
  rejects(() => wg.tensor(d.values, { shape: [d.values.length + 1] }), 'tensor', 'shape too big');
  rejects(() => wg.tensor(d.values, { requires_grad: true } as never), 'tensor', 'requires_grad');
}, 30);

prop(['arange', 'linspace'], 'arange(end), arange(start, end, step) and linspace(start, end, steps) as PyTorch; a step away from end or bad counts are errors', fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }), fc.constantFrom(1, 2, 0.5, 3, 0.25), fc.integer({ min: 0, max: 30 }), nonIntegerArb), ([a, b, step, steps, frac]) => {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  const n = Math.ceil((hi - lo) / step);
  close(wg.arange(lo, hi, step).data(), Array.from({ length: n }, (_, i) => lo + i * step), `arange(${lo}, ${hi}, ${step})`, 0, 0);
  close(wg.arange(hi, lo, -step).data(), Array.from({ length: n }, (_, i) => hi - i * step), `arange(${hi}, ${lo}, ${-step})`, 0, 0);
  if (hi > 0) sameShape(wg.arange(hi), [hi], `arange(${hi})`);
  if (hi > lo) rejects(() => wg.arange(lo, hi, -step), 'arange', 'step away from end');
  rejects(() => wg.arange(lo, hi, 0), 'arange', 'step 0');
  const ls = wg.linspace(a, b, steps).data();
  if (ls.length !== steps || (steps > 0 && ls[0] !== a) || (steps > 1 && ls[steps - 1] !== b)) throw new Error(`linspace(${a}, ${b}, ${steps})`);
  rejects(() => wg.linspace(a, b, frac), 'linspace', `steps ${frac}`);
}, 30);

prop(['randint', 'randperm', 'manualSeed', 'setRngState'], 'randint (high, size) / (low, high, size), randperm and the seed: values in range, same seed same numbers; bad arguments are errors', fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 50 }), shapeArb(0, 3, 0, 4), fc.nat(100), fc.integer({ min: 0, max: 2 ** 40 }), nonIntegerArb, junkArb), ([low, span, s, n, seed, frac, junk]) => {
  wg.manualSeed(seed);
  const a = wg.randint(low, low + span, s).data();
  if (!a.every((v) => Number.isInteger(v) && v >= low && v < low + span)) throw new Error(`randint(${low}, ${low + span}) out of range`);
  const state = wg.getRngState();
  const p = wg.randperm(n);
  if ([...p].sort((x, y) => x - y).some((v, i) => v !== i)) throw new Error(`randperm(${n}) is not a permutation`);
  wg.setRngState(state);
  if (wg.randperm(n).some((v, i) => v !== p[i])) throw new Error('setRngState did not restore the generator');
  wg.manualSeed(seed);
  close(wg.randint(low, low + span, s).data(), a, 'same seed, same numbers', 0, 0);
  if (span > 0) sameShape(wg.randint(span, s), s, `randint(${span}, size)`);
  rejects(() => wg.randint(low, low, s), 'randint', 'low = high');
  rejects(() => wg.randint(low, low + span, 5 as never), 'randint', 'size as a number');
  rejects(() => wg.randint(frac, 10, [2]), 'randint', `low ${frac}`);
  rejects(() => wg.randperm(frac), 'randperm', `randperm(${frac})`);
  rejects(() => wg.manualSeed(frac), 'manualSeed', `manualSeed(${frac})`);
  rejects(() => wg.manualSeed(junk as number), 'manualSeed', `manualSeed(${String(junk)})`);
  rejects(() => wg.setRngState([1, 2, 3]), 'setRngState', 'short state');
  rejects(() => wg.setRngState(junk as number[]), 'setRngState', `setRngState(${String(junk)})`);
}, 30);

prop('setNumThreads', 'setNumThreads: bad counts are errors naming it; results do not depend on the count', fc.tuple(nonIntegerArb, fc.integer({ min: -5, max: 0 }), junkArb), ([frac, nonPos, junk]) => {
  const before = wg.getNumThreads();
  for (const bad of [frac, nonPos, junk]) {
    try {
      wg.setNumThreads(bad as number);
    } catch (err) {
      rejects(() => { throw err; }, 'setNumThreads', `setNumThreads(${String(bad)})`);
      continue;
    }
    throw new Error(`setNumThreads(${String(bad)}) was accepted (now ${wg.getNumThreads()} threads)`);
  }
  if (wg.getNumThreads() !== before) throw new Error('a rejected count changed the thread count');
}, 10);

// ---- constructors with random options: unknown keys always rejected, listing the valid ones ------------

const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => /^[a-z_A-Z]+$/.test(k));
const p0 = () => wg.zeros([3], { requiresGrad: true });

/** [public name, valid keys, build with an options object] */
const OPTIONED: [string, string[], (o: Record<string, unknown>) => unknown][] = [
  ['nn.Linear', ['inFeatures', 'outFeatures', 'bias'], (o) => new nn.Linear(3, 2, o)],
  ['nn.Conv2d', ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'], (o) => new nn.Conv2d(1, 2, 3, o)],
  ['nn.ConvTranspose2d', ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode'], (o) => new nn.ConvTranspose2d(1, 2, 3, o)],
  ['nn.MaxPool2d', ['kernelSize', 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'], (o) => new nn.MaxPool2d(2, o)],
  ['nn.AvgPool2d', ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], (o) => new nn.AvgPool2d(2, o)],
  ['nn.BatchNorm1d', ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats'], (o) => new nn.BatchNorm1d(3, o)],
  ['nn.BatchNorm2d', ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats'], (o) => new nn.BatchNorm2d(3, o)],
  ['nn.LayerNorm', ['normalizedShape', 'eps', 'elementwiseAffine', 'bias'], (o) => new nn.LayerNorm(3, o)],
  ['nn.Dropout', ['p', 'inplace'], (o) => new nn.Dropout(o)],
  ['nn.Dropout2d', ['p', 'inplace'], (o) => new nn.Dropout2d(o)],
  ['nn.LeakyReLU', ['negativeSlope', 'inplace'], (o) => new nn.LeakyReLU(o)],
  ['nn.ReLU', ['inplace'], (o) => new nn.ReLU(o)],
  ['nn.Flatten', ['startDim', 'endDim'], (o) => new nn.Flatten(o)],
  ['nn.GELU', ['approximate'], (o) => new nn.GELU(o)],
  ['nn.Embedding', ['numEmbeddings', 'embeddingDim', 'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse', 'weight'], (o) => new nn.Embedding(4, 2, o)],
  ['nn.MultiheadAttention', ['embedDim', 'numHeads', 'dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst'], (o) => new nn.MultiheadAttention(4, 2, o)],
  ['nn.Upsample', ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'], (o) => new nn.Upsample({ scaleFactor: 2, ...o })],
  ['nn.CrossEntropyLoss', ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction', 'labelSmoothing'], (o) => new nn.CrossEntropyLoss(o)],
  ['nn.NLLLoss', ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction'], (o) => new nn.NLLLoss(o)],
  ['nn.MSELoss', ['sizeAverage', 'reduce', 'reduction'], (o) => new nn.MSELoss(o)],
  ['nn.BCELoss', ['weight', 'sizeAverage', 'reduce', 'reduction'], (o) => new nn.BCELoss(o)],
  ['nn.BCEWithLogitsLoss', ['weight', 'sizeAverage', 'reduce', 'reduction', 'posWeight'], (o) => new nn.BCEWithLogitsLoss(o)],
  ['optim.SGD', ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize', 'foreach'], (o) => new optim.SGD([p0()], { lr: 0.1, ...o })],
  ['optim.Adam', ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize', 'foreach'], (o) => new optim.Adam([p0()], o)],
  ['optim.AdamW', ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize', 'foreach'], (o) => new optim.AdamW([p0()], o)],
  ['optim.RMSprop', ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize', 'foreach'], (o) => new optim.RMSprop([p0()], o)],
  ['optim.Adagrad', ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize', 'foreach'], (o) => new optim.Adagrad([p0()], o)],
  ['optim.Adadelta', ['lr', 'rho', 'eps', 'weightDecay', 'maximize', 'foreach'], (o) => new optim.Adadelta([p0()], o)],
  ['optim.LBFGS', ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'], (o) => new optim.LBFGS([p0()], o)],
  ['optim.StepLR', ['stepSize', 'gamma', 'lastEpoch', 'verbose'], (o) => new optim.StepLR(new optim.SGD([p0()], 0.1), { stepSize: 2, ...o })],
  ['optim.ExponentialLR', ['gamma', 'lastEpoch', 'verbose'], (o) => new optim.ExponentialLR(new optim.SGD([p0()], 0.1), { gamma: 0.5, ...o })],
  ['optim.CosineAnnealingLR', ['tMax', 'etaMin', 'lastEpoch', 'verbose'], (o) => new optim.CosineAnnealingLR(new optim.SGD([p0()], 0.1), { tMax: 3, ...o })],
  ['data.DataLoader', ['batchSize', 'shuffle', 'dropLast'], (o) => new data.DataLoader(new data.TensorDataset(wg.zeros(4, 2)), o)],
];

prop(OPTIONED.map(([n]) => n), 'constructors: an unknown option key is a TypeError naming the class, the key and every valid key', fc.tuple(fc.constantFrom(...OPTIONED), key), ([[name, valid, build], k]) => {
  const ctor = name.split('.').pop()!;
  if (valid.includes(k)) return;
  let err: unknown;
  try { build({ [k]: 1 }); } catch (e) { err = e; }
  rejects(() => { if (err) throw err; }, [ctor, `${ctor} parameter group 0`], `${name} with option ${k}`);
  const msg = (err as Error).message;
  if (!msg.includes(`'${k}'`) || !valid.every((v) => msg.includes(v))) throw new Error(`${name}: the message does not name the key and the valid keys: ${msg}`);
}, 120);

prop(OPTIONED.map(([n]) => n), 'constructors: known keys with values of the wrong kind are TypeErrors/RangeErrors naming the class (never accepted silently, never a crash)', fc.tuple(fc.constantFrom(...OPTIONED), fc.nat(20), fc.oneof(junkArb, nonIntegerArb.filter((v) => !Number.isFinite(v)), fc.constantFrom(-1, -0.5, [1, 2, 3], {}))), ([[name, valid, build], i, junk]) => {
  const k = valid[i % valid.length];
  const ctor = name.split('.').pop()!;
  // a few values of the wrong kind are still valid for some keys (an array for padding, -1 for endDim): either way no crash
  validOrRejected(() => { build({ [k]: junk }); }, [ctor, `${ctor} parameter group 0`, 'conv2d', 'maxPool2d', 'avgPool2d', 'convTranspose2d', 'interpolate'], `${name} with ${k}: ${String(junk)}`);
  if (typeof junk === 'string' || typeof junk === 'symbol' || typeof junk === 'function' || typeof junk === 'bigint') {
    if (k === 'mode' || k === 'lineSearchFn' || k === 'approximate' || k === 'padding') {
      rejects(() => build({ [k]: `not-a-${k}` }), [ctor, 'interpolate'], `${name} ${k} string`);
      return;
    }
    if (k === 'weight' || k === 'posWeight') return; // checked when the loss runs (a Tensor or null)
    rejects(() => build({ [k]: junk }), [ctor, `${ctor} parameter group 0`], `${name} with ${k}: ${String(junk)}`);
  }
}, 150);

// ---- optimisers: one step against the formula, positional = options ---------------------------------

prop(['optim.SGD', 'optim.Adam', 'optim.AdamW', 'optim.RMSprop', 'optim.Adagrad', 'optim.Adadelta', 'optim.Optimizer'], 'optimisers: positional hyper-parameters equal the same given by name; SGD and Adam first steps equal their formulas', fc.tuple(dataArb(shapeArb(1, 2, 1, 4), 'small'), dataArb(fc.constant([0]), 'small'), fc.float({ min: Math.fround(1e-3), max: 1, noNaN: true }), fc.float({ min: 0, max: Math.fround(0.99), noNaN: true })), ([w, , lr, mom]) => {
  const g = w.values.map((v, i) => Math.fround(Math.sin(v + i)));
  const run = (make: (p: Tensor[]) => optim.Optimizer<{ lr: number }>) => {
    const p = wg.tensor(Float32Array.from(w.values), { shape: w.shape, requiresGrad: true });
    const o = make([p]);
    p.grad = wg.tensor(Float32Array.from(g), { shape: w.shape });
    o.step();
    return p.data();
  };
  close(run((p) => new optim.SGD(p, lr, mom)), run((p) => new optim.SGD(p, { lr, momentum: mom })), 'SGD positional', 0, 0);
  close(run((p) => new optim.SGD(p, lr)), w.values.map((v, i) => v - lr * g[i]), 'SGD step', 1e-6, 1e-6);
  close(run((p) => new optim.Adam(p, lr)), w.values.map((v, i) => v - lr * Math.sign(g[i]) * (Math.abs(g[i]) / (Math.abs(g[i]) + 1e-8))), 'Adam first step', 1e-5, 1e-6);
  close(run((p) => new optim.Adam(p, lr, [0.8, 0.9], 1e-6, 0.1, true)), run((p) => new optim.Adam(p, { lr, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true })), 'Adam positional', 0, 0);
  close(run((p) => new optim.AdamW(p, lr, [0.8, 0.9])), run((p) => new optim.AdamW(p, { lr, betas: [0.8, 0.9] })), 'AdamW positional', 0, 0);
  close(run((p) => new optim.RMSprop(p, lr, 0.9, 1e-6, 0, mom)), run((p) => new optim.RMSprop(p, { lr, alpha: 0.9, eps: 1e-6, momentum: mom })), 'RMSprop positional', 0, 0);
  close(run((p) => new optim.Adagrad(p, lr, 0.1)), run((p) => new optim.Adagrad(p, { lr, lrDecay: 0.1 })), 'Adagrad positional', 0, 0);
  close(run((p) => new optim.Adadelta(p, lr, 0.8)), run((p) => new optim.Adadelta(p, { lr, rho: 0.8 })), 'Adadelta positional', 0, 0);
  close(run((p) => new optim.SGD(p, lr, { maximize: true })), w.values.map((v, i) => v + lr * g[i]), 'SGD maximize', 1e-6, 1e-6);
}, 30);

prop(['optim.LBFGS', 'optim.LRScheduler', 'optim.StepLR', 'optim.ExponentialLR', 'optim.CosineAnnealingLR'], 'LBFGS minimises a quadratic with either line-search spelling; schedulers bound positionally equal by name', fc.tuple(dataArb(fc.constant([3]), 'small'), fc.constantFrom('strong_wolfe', 'strongWolfe', null), fc.integer({ min: 1, max: 5 }), fc.float({ min: Math.fround(0.1), max: Math.fround(0.9), noNaN: true })), ([start, ls, step, gamma]) => {
  const p = wg.tensor(Float32Array.from(start.values), { requiresGrad: true });
  const o = new optim.LBFGS([p], 1, 20, null, 1e-9, 1e-12, 10, ls);
  o.step(() => { o.zeroGrad(); const l = p.sub(1).square().sum(); l.backward(); return l; });
  if (ls !== null) close(p.data(), [1, 1, 1], `LBFGS (${ls}) minimum`, 1e-3, 1e-3);
  const lrs = (make: (o: optim.SGD) => optim.LRScheduler) => {
    const opt = new optim.SGD([wg.zeros([1], { requiresGrad: true })], 1);
    const s = make(opt);
    return Array.from({ length: 6 }, () => { s.step(); return opt.paramGroups[0].lr; });
  };
  close(lrs((q) => new optim.StepLR(q, step, gamma)), lrs((q) => new optim.StepLR(q, { stepSize: step, gamma })), 'StepLR', 0, 0);
  close(lrs((q) => new optim.ExponentialLR(q, gamma)), Array.from({ length: 6 }, (_, i) => gamma ** (i + 1)), 'ExponentialLR', 1e-12, 1e-12);
  close(lrs((q) => new optim.CosineAnnealingLR(q, step, gamma / 10)), lrs((q) => new optim.CosineAnnealingLR(q, { tMax: step, etaMin: gamma / 10 })), 'CosineAnnealingLR', 0, 0);
}, 20);

// ---- data and training ----------------------------------------------------------------------------

prop(['data.DataLoader', 'data.TensorDataset', 'data.Subset', 'data.randomSplit'], 'DataLoader(dataset, batchSize, shuffle, { dropLast }): batches cover the dataset once, in order unless shuffled; splits partition it', fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.boolean(), fc.nat(29)), ([n, bs, shuffle, dropLast, cut]) => {
  const ds = new data.TensorDataset(wg.arange(n).reshape([n, 1]), Array.from({ length: n }, (_, i) => i % 3));
  const loader = new data.DataLoader(ds, bs, shuffle, { dropLast });
  const seen: number[] = [];
  let batches = 0;
  for (const [x, y] of loader) {
    batches++;
    const xs = Array.from(x.data());
    seen.push(...xs);
    close(y.data(), xs.map((v) => v % 3), 'labels follow their rows', 0, 0);
  }
  if (batches !== loader.length) throw new Error(`${batches} batches, length says ${loader.length}`);
  const expected = dropLast ? Math.floor(n / bs) * bs : n;
  if (seen.length !== expected || new Set(seen).size !== expected) throw new Error(`batches cover ${seen.length} rows, expected ${expected} distinct`);
  if (!shuffle && seen.some((v, i) => v !== i)) throw new Error('unshuffled batches out of order');
  const k = cut % (n + 1);
  const [a, b] = data.randomSplit(ds, [k, n - k]);
  const rows = [...a.indices, ...b.indices].sort((p, q) => p - q);
  if (rows.some((v, i) => v !== i)) throw new Error('randomSplit does not partition');
  sameShape(new data.Subset(ds, [0]).tensors[0], [n, 1], 'Subset shares the tensors');
  rejects(() => new data.DataLoader(ds, 0), 'DataLoader', 'batchSize 0');
  rejects(() => new data.DataLoader(ds, bs, 'yes' as never), 'DataLoader', 'shuffle "yes"');
  rejects(() => data.randomSplit(ds, [n + 1]), 'randomSplit', 'lengths over n');
  rejects(() => new data.Subset(ds, [n]), 'Subset', `index ${n}`);
}, 30);

/** The readers of files and bytes report bad input as an Error naming the file (never a crash of another kind). */
function fileError(fn: () => unknown, name: string, what: string): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof Error) || err instanceof WebAssembly.RuntimeError) throw new Error(`${what}: ${String(err)}`);
    if (!err.message.includes(name)) throw new Error(`${what}: the error does not name ${name}: ${err.message}`);
  }
}

prop(['data.parseIdxRaw', 'data.isGzip', 'data.parseCsv', 'data.column', 'data.selectColumns', 'data.csvToFloat32', 'data.meanStd', 'data.standardize', 'data.standardizeTensor', 'data.mnistFileNames'],
  'data readers on random bytes and text: a table or an Error naming the source; CSV values round-trip', fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.array(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 30 })), ([bytes, rows, text]) => {
    fileError(() => data.parseIdxRaw(bytes, 'random.idx'), 'random.idx', 'parseIdxRaw');
    data.isGzip(bytes);
    fileError(() => data.parseCsv(text, 'random.csv'), 'random.csv', 'parseCsv');
    const csv = data.parseCsv(`a,b\n${rows.map((r) => r.join(',')).join('\n')}\n`, 'rows.csv');
    close(data.column(csv, 'b'), rows.map((r) => r[1]), 'column', 0, 0);
    close(data.csvToFloat32(data.selectColumns(csv, ['a'])).data, rows.map((r) => r[0]), 'csvToFloat32', 0, 0);
    fileError(() => data.column(csv, 'c'), 'rows.csv', 'missing column');
    const flat = Float32Array.from(rows.flat().map((v) => Math.max(-1e6, Math.min(1e6, v))));
    const ms = data.meanStd(flat);
    if (flat.length > 1 && ms.std > 0) {
      const z = data.standardizeTensor(wg.tensor(flat)).data();
      const zs = data.meanStd(z);
      if (Math.abs(zs.mean) > 1e-3 || Math.abs(zs.std - 1) > 1e-3) throw new Error(`standardizeTensor: mean ${zs.mean}, std ${zs.std}`);
      close(data.standardize(flat, ms.mean, ms.std), z, 'standardize = standardizeTensor', 1e-5, 1e-5);
    }
    if (data.mnistFileNames(true, 'images').length === 0) throw new Error('mnistFileNames');
  }, 40);

prop(['train.trainEpoch', 'train.evaluate', 'train.fit', 'train.progressReporter', 'train.serializeCheckpoint', 'train.deserializeCheckpoint'], 'training loop: loss functions or loss modules, options checked; a checkpoint round-trips model and optimiser exactly', fc.tuple(fc.integer({ min: 4, max: 20 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), key), ([n, bs, asModule, k]) => {
  wg.manualSeed(n);
  const x = wg.randn(n, 3);
  const y = Array.from({ length: n }, (_, i) => i % 2);
  const loader = new data.DataLoader(new data.TensorDataset(x, y), bs);
  const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
  const opt = new optim.Adam(model.parameters(), 0.01);
  const lossFn = asModule ? new nn.CrossEntropyLoss() : wg.nn.functional.crossEntropy;
  const r = train.trainEpoch(model, loader, opt, lossFn);
  if (!Number.isFinite(r.loss) || r.batches !== loader.length) throw new Error(`trainEpoch: ${JSON.stringify(r)}`);
  const ev = train.evaluate(model, loader, { lossFn, numClasses: 2 });
  if (ev.n !== n || !Number.isFinite(ev.loss)) throw new Error(`evaluate: ${JSON.stringify(ev)}`);
  const h = train.fit(model, loader, opt, lossFn, { epochs: 1, progress: false });
  if (h.length !== 1) throw new Error('fit history');
  const lines: string[] = [];
  train.progressReporter('t', { write: (s: string) => lines.push(s) }).done('ok');
  if (lines.length !== 1) throw new Error('progressReporter');
  const bytes = train.serializeCheckpoint({ model, optimizer: opt, epoch: 3 });
  const model2 = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
  const opt2 = new optim.Adam(model2.parameters(), 0.01);
  if (train.deserializeCheckpoint(bytes, { model: model2, optimizer: opt2 }).epoch !== 3) throw new Error('checkpoint epoch');
  model.parameters().forEach((p, i) => close(model2.parameters()[i].data(), p.data(), 'checkpoint parameter', 0, 0));
  if (!['progress', 'label', 'onBatch'].includes(k)) rejects(() => train.trainEpoch(model, loader, opt, lossFn, { [k]: 1 }), 'trainEpoch', `option ${k}`);
  if (!['lossFn', 'numClasses', 'predictions'].includes(k)) rejects(() => train.evaluate(model, loader, { [k]: 1 }), 'evaluate', `option ${k}`);
  rejects(() => train.fit(model, loader, opt, lossFn, { epochs: 1.5 }), 'fit', 'epochs 1.5');
  rejects(() => train.trainEpoch(model, loader, opt, 'crossEntropy' as never), 'trainEpoch', 'lossFn string');
  if (!['model', 'optimizer', 'scheduler', 'epoch', 'extra'].includes(k)) rejects(() => train.serializeCheckpoint({ [k]: 1 } as never), 'saveCheckpoint', `contents ${k}`);
}, 12);

// ---- nn.init ------------------------------------------------------------------------------------

prop(['nn.init.uniform', 'nn.init.uniform_', 'nn.init.normal', 'nn.init.normal_', 'nn.init.constant', 'nn.init.constant_', 'nn.init.zeros', 'nn.init.zeros_', 'nn.init.ones', 'nn.init.ones_',
  'nn.init.xavierUniform', 'nn.init.xavierUniform_', 'nn.init.xavierNormal', 'nn.init.xavierNormal_', 'nn.init.kaimingUniform', 'nn.init.kaimingUniform_', 'nn.init.kaimingNormal', 'nn.init.kaimingNormal_',
  'nn.init.calculateGain', 'nn.init.calculateFanInAndFanOut'],
'nn.init: in place, within PyTorch\'s bounds for any fan and gain; PyTorch spellings accepted; bad arguments are errors naming the initialiser', fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.float({ min: Math.fround(0.1), max: 3, noNaN: true }), fc.constantFrom('fanIn', 'fan_in', 'fanOut', 'fan_out'), junkArb), ([o, i, k, gain, mode, junk]) => {
  const init = nn.init;
  const w = wg.zeros(o, i, k, k);
  const [fanIn, fanOut] = init.calculateFanInAndFanOut(w);
  if (fanIn !== i * k * k || fanOut !== o * k * k) throw new Error('fans');
  const inBounds = (b: number, what: string) => { if (!w.data().every((v) => Math.abs(v) <= b * (1 + 1e-6))) throw new Error(`${what}: a value beyond ±${b}`); };
  init.xavierUniform_(w, gain);
  inBounds(gain * Math.sqrt(6 / (fanIn + fanOut)), 'xavierUniform');
  init.kaimingUniform(w, 0, mode as 'fanIn', 'relu');
  inBounds(Math.SQRT2 * Math.sqrt(3 / (mode.toLowerCase().includes('in') ? fanIn : fanOut)), `kaimingUniform ${mode}`);
  init.uniform_(w, -gain, gain);
  inBounds(gain, 'uniform');
  for (const f of [init.normal, init.normal_, init.xavierNormal, init.xavierNormal_, init.kaimingNormal, init.kaimingNormal_, init.kaimingUniform_, init.xavierUniform, init.uniform]) {
    (f as (t: Tensor) => Tensor)(w);
    if (!w.data().every(Number.isFinite)) throw new Error('init produced a non-finite value');
  }
  for (const [f, v] of [[init.zeros, 0], [init.zeros_, 0], [init.ones, 1], [init.ones_, 1]] as const) { f(w); close(w.data(), new Array(w.size).fill(v), 'fill', 0, 0); }
  init.constant_(w, gain);
  init.constant(w, gain);
  close(w.data(), new Array(w.size).fill(gain), 'constant', 0, 0);
  if (Math.abs(init.calculateGain('leaky_relu', 0) - Math.SQRT2) > 1e-12) throw new Error('calculateGain leaky_relu');
  rejects(() => init.uniform(w, gain, -gain), 'init.uniform', 'a > b');
  rejects(() => init.kaimingUniform(w, { mode: 'fan_avg' } as never), 'init.kaimingUniform', 'mode fan_avg');
  rejects(() => init.kaimingNormal(w, { nonlin: 'relu' } as never), 'init.kaimingNormal', 'unknown option');
  rejects(() => init.xavierUniform(junk as Tensor), 'init.xavierUniform', `xavierUniform(${String(junk)})`);
  rejects(() => init.normal(w, 0, -1), 'init.normal', 'std −1');
  rejects(() => init.calculateGain(junk as 'relu'), 'calculateGain', `calculateGain(${String(junk)})`);
  rejects(() => init.calculateFanInAndFanOut(wg.zeros(3)), 'init', '1-D fan');
}, 20);
