/**
 * PyTorch habits work as in PyTorch or fail loudly (issue 9, "what to build" 4): varargs sizes,
 * positional layer/optimiser/scheduler arguments, indexSelect(input, dim, index), loss options
 * checked against PyTorch float64 values (tests/fixtures/torch/args.json, made by
 * scripts/fixtures_args.py), callable modules, unknown option keys.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import * as wg from '../bindings/index.js';
import { Tensor, nn, optim, data, train } from '../bindings/index.js';
import { assertClose } from './helpers/check.js';

const F = nn.functional;
const test = suite('PyTorch-shaped arguments');
test.before(async () => { await wg.init(); });

const fixture = JSON.parse(readFileSync(new URL('../../tests/fixtures/torch/args.json', import.meta.url), 'utf8'));
interface Entry { shape: number[]; data: number[] }
const T = (e: Entry, requiresGrad = false): Tensor => wg.tensor(Float32Array.from(e.data), { shape: e.shape, requiresGrad });

function throwsLike(fn: () => unknown, type: ErrorConstructor, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, type, `expected a ${type.name}, got ${(err as Error).name}: ${(err as Error).message}`);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${type.name} matching ${pattern}`);
}

test('factories take PyTorch sizes: varargs, one array, a shape, options last', () => {
  assert.equal(wg.randn(2, 3).shape, [2, 3]);
  assert.equal(wg.zeros(2, 3).shape, [2, 3]);
  assert.equal(wg.rand(5, 5).shape, [5, 5]);
  assert.equal(wg.ones([4, 1, 2]).shape, [4, 1, 2]);
  assert.equal(wg.empty(3).toArray(), [0, 0, 0]);
  assert.equal(wg.zeros([]).shape, []);
  const x = wg.randn(2, 3, { requiresGrad: true });
  assert.ok(x.requiresGrad);
  assert.equal(wg.zeros(x.shape).shape, [2, 3]);
  assert.equal(wg.full([2, 2], 7).toArray(), [[7, 7], [7, 7]]);
  assert.equal(wg.fullLike(x, 2).shape, [2, 3]);
  assert.ok(wg.onesLike(x, { requiresGrad: true }).requiresGrad);
  assert.equal(wg.randLike(x).shape, [2, 3]);
  assert.equal(wg.randnLike(x).shape, [2, 3]);
  const r = wg.randint(10, [1000]).data();
  assert.ok(r.every((v) => Number.isInteger(v) && v >= 0 && v < 10));
  const r2 = wg.randint(-3, 3, [2, 500]);
  assert.equal(r2.shape, [2, 500]);
  assert.ok(r2.data().every((v) => v >= -3 && v < 3));
  assert.equal(wg.arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(wg.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.ok(wg.arange(3, { requiresGrad: true }).requiresGrad);
  assert.equal(wg.tensor(x).shape, [2, 3], 'tensor(t) copies');
});

test('factories: what PyTorch rejects, or what would be ambiguous, throws naming the argument', () => {
  throwsLike(() => wg.zeros(), TypeError, /^zeros: size is missing/);
  throwsLike(() => wg.zeros(2.5), TypeError, /^zeros: size must hold integers, got 2.5/);
  throwsLike(() => wg.ones(2, -1), RangeError, /^ones: size must hold non-negative integers, got -1/);
  throwsLike(() => wg.randn([2], 3 as never), TypeError, /^randn: size must be integers/);
  throwsLike(() => wg.full(2 as never, 3), TypeError, /^full: size must be an array such as \[2, 3\]/);
  throwsLike(() => wg.randint(3, 10 as never), TypeError, /^randint: size must be an array such as \[3\]/);
  throwsLike(() => wg.randint(5, 5, [2]), RangeError, /^randint: need low < high/);
  throwsLike(() => wg.rand(2, { low: 1, hihg: 2 } as never), TypeError, /^rand: unknown option 'hihg'; valid options are requiresGrad, low, high/);
  throwsLike(() => wg.randn(2, { requires_grad: true } as never), TypeError, /^randn: unknown option 'requires_grad' \(wasmgrad spells PyTorch's requires_grad as requiresGrad\)/);
  throwsLike(() => wg.zeros(2, { requiresGrad: 1 } as never), TypeError, /^zeros: requiresGrad must be true or false, got 1/);
  throwsLike(() => wg.tensor([1, 2], { shape: [3] }), RangeError, /^tensor: 2 values do not fill shape \[3\]/);
  throwsLike(() => wg.arange(0, 5, -1), RangeError, /^arange: the step -1 does not lead from 0 to 5/);
  throwsLike(() => wg.linspace(0, 1, 2.5), TypeError, /^linspace: steps must be an integer/);
});

test('nn layers take PyTorch positional arguments', () => {
  const x = wg.randn(2, 1, 28, 28);
  const conv = new nn.Conv2d(1, 8, 3, 1, 1);
  assert.equal(conv(x).shape, [2, 8, 28, 28], 'stride 1, padding 1 keep 28x28');
  assert.equal(new nn.Conv2d(1, 8, 3, 2).forward(x).shape, [2, 8, 13, 13], 'stride 2');
  assert.equal(new nn.Conv2d(1, 8, 3, { padding: 'same' }).forward(x).shape, [2, 8, 28, 28]);
  assert.equal(new nn.Conv2d({ inChannels: 1, outChannels: 4, kernelSize: [3, 5], bias: false }).bias, null);
  assert.equal(new nn.Conv2d(1, 8, 3, 1, 0, 1, 1, false).bias, null);
  assert.equal(new nn.Linear(784, 128, false).bias, null);
  assert.equal(new nn.Linear(784, 128, { bias: false }).bias, null);
  assert.ok(new nn.Linear(4, 2).bias);
  assert.equal(new nn.MaxPool2d(2)(x).shape, [2, 1, 14, 14]);
  assert.equal(new nn.MaxPool2d({ kernelSize: 2 })(x).shape, [2, 1, 14, 14]);
  assert.equal(new nn.MaxPool2d(3, 2, 1)(x).shape, [2, 1, 14, 14]);
  assert.equal(new nn.AvgPool2d(2, { stride: 1 })(x).shape, [2, 1, 27, 27]);
  assert.equal(F.maxPool2d(x, 2).shape, [2, 1, 14, 14]);
  assert.equal(F.avgPool2d(x, 4, 4).shape, [2, 1, 7, 7]);
  assert.equal(F.conv2d(x, conv.weight, conv.bias, 2, 1).shape, [2, 8, 14, 14]);
  assert.is(new nn.Dropout(0.2).p, 0.2);
  assert.is(new nn.LeakyReLU(0.2).negativeSlope, 0.2);
  assert.is(new nn.Softmax(1).dim, 1);
  const bn = new nn.BatchNorm1d(3, 1e-3, 0.2, false);
  assert.is(bn.eps, 1e-3);
  assert.is(bn.momentum, 0.2);
  assert.is(bn.weight, null);
  assert.is(new nn.Flatten(0).startDim, 0);
});

test('nn layers: wrong or unsupported arguments throw naming the layer and the argument', () => {
  throwsLike(() => new nn.Conv2d(1, 8, 3, { paddding: 1 } as never), TypeError,
    /^Conv2d: unknown option 'paddding'; valid options are inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode/);
  throwsLike(() => new nn.Conv2d(1, 8, 3, 1, 1, { padding: 2 }), TypeError, /^Conv2d: padding was given twice/);
  throwsLike(() => new nn.Conv2d(2, 4, 3, 1, 1, 1, 2), RangeError, /^Conv2d: groups=2 is not supported/);
  throwsLike(() => new (nn.Conv2d as unknown as new (a: number, b: number) => unknown)(1, 8), TypeError, /^Conv2d: kernelSize is required/);
  throwsLike(() => new nn.Conv2d(1, 8, 0), RangeError, /^Conv2d: kernelSize must be an integer >= 1/);
  throwsLike(() => new nn.Linear(4, 2, 'no' as never), TypeError, /^Linear: bias must be true or false, got "no"/);
  throwsLike(() => new nn.Linear(4, 2, false, false as never), TypeError, /^Linear: too many positional arguments/);
  throwsLike(() => new nn.MaxPool2d(2, { ceilMode: true }), RangeError, /^MaxPool2d: ceilMode=true is not supported/);
  throwsLike(() => new nn.MaxPool2d(2, { countIncludePad: false } as never), TypeError, /^MaxPool2d: unknown option 'countIncludePad'/);
  throwsLike(() => new nn.Dropout(1.5), RangeError, /^Dropout: p must be a finite number in \[0, 1\], got 1.5/);
  throwsLike(() => new nn.ReLU(true), RangeError, /^ReLU: inplace=true is not supported/);
  throwsLike(() => new (nn.Softmax as unknown as new () => unknown)(), TypeError, /^Softmax: dim is required/);
  throwsLike(() => new nn.BatchNorm2d(3, { eps: -1 }), RangeError, /^BatchNorm2d: eps must be a finite number >= 0/);
  throwsLike(() => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never), TypeError,
    /^CrossEntropyLoss: unknown option 'label_smoothing' \(wasmgrad spells PyTorch's label_smoothing as labelSmoothing\)/);
  throwsLike(() => new nn.CrossEntropyLoss({ labelSmoothing: 2 }), RangeError, /^CrossEntropyLoss: labelSmoothing must be a finite number in \[0, 1\]/);
  throwsLike(() => new nn.MSELoss({ reduction: 'avg' } as never), RangeError, /^MSELoss: reduction must be "mean" or "sum" or "none", got "avg"/);
});

test('the newer layers take PyTorch positional arguments too, and reject unknown keys', () => {
  const x = wg.randn(2, 4, 5, 5);
  const ct = new nn.ConvTranspose2d(4, 3, 4, 2, 1);
  assert.equal(ct(x).shape, [2, 3, 10, 10], 'stride 2, padding 1: 2·5 − 2 − 2 + 3 + 1');
  assert.equal(new nn.ConvTranspose2d(4, 3, 3, { stride: 2, outputPadding: 1 }).forward(x).shape, [2, 3, 12, 12]);
  assert.is(new nn.ConvTranspose2d(4, 3, 3, 1, 0, 0, 1, false).bias, null);
  const ln = new nn.LayerNorm(5, 1e-6, false);
  assert.is(ln.eps, 1e-6);
  assert.is(ln.weight, null);
  const mha = new nn.MultiheadAttention(8, 2, 0, false, false, false, null, null, true);
  assert.ok(mha.batchFirst);
  assert.is(mha.inProjBias, null);
  const q = wg.randn(3, 4, 8);
  const [out, weights] = mha(q, q, q, null, false);
  assert.equal(out.shape, [3, 4, 8]);
  assert.is(weights, null, 'needWeights false, positionally');
  const emb = new nn.Embedding(10, 4, 0);
  assert.is(emb.paddingIdx, 0);
  assert.equal(emb(wg.tensor([1, 0])).shape, [2, 4]);
  assert.equal(F.embedding([1, 2], emb.weight, 0).shape, [2, 4]);
  assert.equal(new nn.Upsample(null, 2, 'bilinear').forward(x).shape, [2, 4, 10, 10]);
  assert.equal(F.interpolate(x, [7, 3]).shape, [2, 4, 7, 3]);
  assert.is(new nn.Dropout2d(0.3).p, 0.3);
  assert.is(new nn.GELU('tanh').approximate, 'tanh');
  assert.equal(Array.from(F.gelu(x, 'tanh').data()), Array.from(F.gelu(x, { approximate: 'tanh' }).data()));
  assert.equal(new nn.Unflatten(1, [2, 2])(x).shape, [2, 2, 2, 5, 5]);
  const causal = F.scaledDotProductAttention(q, q, q, null, 0, true);
  assert.equal(Array.from(causal.data()), Array.from(F.scaledDotProductAttention(q, q, q, { isCausal: true }).data()));
  throwsLike(() => new nn.ConvTranspose2d(4, 3, 3, { output_padding: 1 } as never), TypeError, /^ConvTranspose2d: unknown option 'output_padding' \(wasmgrad spells PyTorch's output_padding as outputPadding\)/);
  throwsLike(() => new nn.LayerNorm(5, { elementwise_affine: false } as never), TypeError, /^LayerNorm: unknown option 'elementwise_affine'/);
  throwsLike(() => new nn.MultiheadAttention(8, 2, { batch_first: true } as never), TypeError, /^MultiheadAttention: unknown option 'batch_first'/);
  throwsLike(() => mha(q, q, q, { need_weights: false } as never), TypeError, /^MultiheadAttention: unknown option 'need_weights'/);
  throwsLike(() => new nn.Embedding(10, 4, { padding_idx: 0 } as never), TypeError, /^Embedding: unknown option 'padding_idx'/);
  throwsLike(() => new nn.Upsample({ scale_factor: 2 } as never), TypeError, /^Upsample: unknown option 'scale_factor'/);
  throwsLike(() => F.interpolate(x, { scaleFactor: 2, antialias: true } as never), TypeError, /^interpolate: unknown option 'antialias'/);
  throwsLike(() => new nn.GELU('erf' as never), RangeError, /^GELU: approximate must be "none" or "tanh", got "erf"/);
  throwsLike(() => new nn.AdaptiveAvgPool2d(0), TypeError, /^AdaptiveAvgPool2d: outputSize must be a positive integer/);
  throwsLike(() => new nn.SiLU(true), RangeError, /^SiLU: inplace=true is not supported/);
  throwsLike(() => F.scaledDotProductAttention(q, q, q, { is_causal: true } as never), TypeError, /^scaledDotProductAttention: unknown option 'is_causal'/);
});

test('the issue-13 ops and init: options objects reject unknown keys (listing the valid ones), flags must be booleans', async () => {
  const x = wg.rand(3, 4);
  throwsLike(() => F.pad(x, [1, 1], { mode: 'reflect', padding_mode: 'x' } as never), TypeError, /^pad: unknown option 'padding_mode'; valid options are mode, value/);
  throwsLike(() => F.pad(x, [1, 1], { value: 1 }, 2), TypeError, /^pad: give value in the options object or positionally, not both/);
  throwsLike(() => wg.indexAdd(x, 0, [0], wg.ones(1, 4), { scale: 2 } as never), TypeError, /^indexAdd: unknown option 'scale'; valid options are alpha/);
  throwsLike(() => wg.sort(x, { dim: 0, reverse: true } as never), TypeError, /^sort: unknown option 'reverse'; valid options are dim, descending, stable/);
  throwsLike(() => wg.sort(x, 'x' as never), TypeError, /^sort: dim must be an integer or an options object \{ dim, descending, stable \}, got "x"/);
  throwsLike(() => wg.sort(x, -1, 'yes' as never), TypeError, /^sort: descending must be true or false, got "yes"/);
  throwsLike(() => wg.topk(x, 2, { dim: 0, smallest: true } as never), TypeError, /^topk: unknown option 'smallest'; valid options are dim, largest, sorted/);
  throwsLike(() => wg.argsort(x, -1, 1 as never), TypeError, /^argsort: descending must be true or false, got 1/);
  throwsLike(() => wg.cdist(x, x, 2, { compute_mode: 'use_mm_for_euclid_dist' } as never), TypeError, /^cdist: unknown option 'compute_mode' \(wasmgrad spells PyTorch's compute_mode as computeMode\)/);
  throwsLike(() => wg.var(x, 0, { ddof: 1 } as never), TypeError, /^var: unknown option 'ddof'; valid options are correction, unbiased, keepdim/);
  throwsLike(() => wg.std(x, 0, true, 'no' as never), TypeError, /^std: keepdim must be true or false, got "no"/);
  throwsLike(() => wg.norm(x, 2, 0, 1 as never), TypeError, /^norm: keepdim must be true or false, got 1/);
  throwsLike(() => wg.multinomial(wg.ones(3), 1, 'no' as never), TypeError, /^multinomial: replacement must be true or false, got "no"/);
  throwsLike(() => F.layerNorm(x, [4], { eps: 1e-6 } as never), TypeError, /^layerNorm: weight must be a Tensor or null, got an object/);
  let err: unknown = null;
  await wg.init({ thread: 2 } as never).catch((e) => { err = e; });
  assert.instance(err, TypeError);
  assert.match((err as Error).message, /^init: unknown option 'thread'; valid options are wasm, threads, relaxedSimd, gemmTile/);
});

test('modules are callable: model(x), criterion(out, y)', () => {
  const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const x = wg.randn(5, 3);
  assert.equal(Array.from(model(x).data()), Array.from(model.forward(x).data()));
  assert.is(model.length, 3);
  assert.ok(model instanceof nn.Module);
  const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
  const y = [0, 1, 1, 0, 1];
  assert.is(criterion(model(x), y).item(), F.crossEntropy(model(x), y, { labelSmoothing: 0.1 }).item());
  assert.match(String(model), /^Sequential\(\n {2}\(0\): Linear\(inFeatures=3, outFeatures=4, bias=true\)/);
});

test('optimisers: positional lr and hyper-parameters; maximize as PyTorch (fixture)', () => {
  const p = wg.zeros([3], { requiresGrad: true });
  assert.is(new optim.Adam([p], 0.01).paramGroups[0].lr, 0.01);
  assert.is(new optim.SGD([p], 0.01).paramGroups[0].lr, 0.01);
  const sgd = new optim.SGD([p], 0.01, 0.9, { nesterov: true });
  assert.is(sgd.paramGroups[0].momentum, 0.9);
  assert.ok(sgd.paramGroups[0].nesterov);
  assert.equal(new optim.Adam([p], 0.01, [0.8, 0.9]).paramGroups[0].betas, [0.8, 0.9]);
  assert.is(new optim.RMSprop([p], { lr: 0.1, alpha: 0.9 }).paramGroups[0].alpha, 0.9);
  assert.is(new optim.LBFGS([p], { lineSearchFn: 'strong_wolfe' }).paramGroups[0].lineSearchFn, 'strongWolfe');
  assert.is(new optim.LBFGS([p], 1, 20).paramGroups[0].maxEval, 25);
  const groups = new optim.SGD([{ params: [p], lr: 0.5 }], { lr: 0.1, momentum: 0.5 });
  assert.is(groups.paramGroups[0].lr, 0.5);
  for (const run of fixture.maximize.runs as { optimizer: string; options: Record<string, unknown>; trajectory: number[][] }[]) {
    const w = wg.tensor(fixture.maximize.start, { requiresGrad: true });
    const target = wg.tensor(fixture.maximize.target);
    const opt = new (optim as unknown as Record<string, new (p: Tensor[], o: unknown) => optim.Optimizer<{ lr: number }>>)[run.optimizer]([w], run.options);
    run.trajectory.forEach((expected, i) => {
      opt.zeroGrad();
      w.sub(target).square().sum().neg().backward();
      opt.step();
      assertClose(w.data(), expected, `${run.optimizer} maximize step ${i + 1}`, 1e-5, 1e-6);
    });
  }
});

test('optimisers and schedulers: bad arguments throw naming them', () => {
  const p = wg.zeros([3], { requiresGrad: true });
  throwsLike(() => new optim.SGD([p]), TypeError, /^SGD: lr is required \(as in PyTorch\)/);
  throwsLike(() => new optim.Adam([p], { lr: 0.1, weight_decay: 0.1 } as never), TypeError,
    /^Adam: unknown option 'weight_decay' \(wasmgrad spells PyTorch's weight_decay as weightDecay\); valid options are lr, betas, eps, weightDecay, amsgrad, maximize, foreach/);
  throwsLike(() => new optim.Adam([p], 0.1, 0.9 as never), TypeError, /^Adam: betas must be an array of 2 numbers, got 0.9/);
  throwsLike(() => new optim.SGD([p], '0.1' as never), TypeError, /^SGD: lr must be a number, got "0.1"/);
  throwsLike(() => new optim.SGD([p], 0.1, 0.9, 0, 0, true, 1 as never), TypeError, /^SGD: too many positional arguments/);
  throwsLike(() => new optim.SGD([{ params: [p], lr: 0.1, mometum: 0.9 }] as never), TypeError, /^SGD parameter group 0: unknown option 'mometum'/);
  const model = new nn.Linear(2, 2);
  throwsLike(() => new optim.Adam(model as never), TypeError, /^Adam: params must be the model's parameters \(model.parameters\(\)\), not the model/);
  throwsLike(() => new optim.Adam(p as never), TypeError, /^Adam: params must be an iterable of tensors/);
  throwsLike(() => new optim.LBFGS([p], { lineSearchFn: 'armijo' } as never), RangeError, /^LBFGS: lineSearchFn must be 'strong_wolfe'/);
  const opt = new optim.SGD([p], 0.1);
  assert.is(new optim.StepLR(opt, 10, 0.5).options.gamma, 0.5);
  throwsLike(() => new optim.StepLR(opt, { step_size: 3 } as never), TypeError, /^StepLR: unknown option 'step_size' \(wasmgrad spells PyTorch's step_size as stepSize\)/);
  throwsLike(() => new optim.ExponentialLR(opt), TypeError, /^ExponentialLR: gamma is required/);
  throwsLike(() => new optim.CosineAnnealingLR({} as never, 10), TypeError, /^CosineAnnealingLR: optimizer must be an optimizer/);
});

test('indexSelect(input, dim, index) along any dim, forward and gradient (PyTorch fixture)', () => {
  const ix = fixture.indexSelect;
  for (const c of ix.cases as { dim: number; index: number[]; output: Entry; cotangent: Entry; grad: Entry }[]) {
    for (const form of ['array', 'tensor', 'method'] as const) {
      const x = T(ix.input, true);
      const out = form === 'method' ? x.indexSelect(c.dim, c.index)
        : wg.indexSelect(x, c.dim, form === 'tensor' ? wg.tensor(c.index) : c.index);
      assert.equal(out.shape.slice(), c.output.shape, `dim ${c.dim} shape`);
      assertClose(out.data(), c.output.data, `indexSelect dim ${c.dim} (${form})`, 0, 0);
      if (out.size === 0) continue;
      out.mul(T(c.cotangent)).sum().backward();
      assertClose(x.grad!.data(), c.grad.data, `indexSelect dim ${c.dim} gradient (${form})`, 1e-6, 1e-6);
    }
  }
  const E = wg.randn(5, 3);
  throwsLike(() => wg.indexSelect(E, [0, 1] as never, 1 as never), TypeError, /^indexSelect: dim must be an integer, got \[0, 1\]; the signature is indexSelect\(input, dim, index\)/);
  throwsLike(() => (E as unknown as { indexSelect(i: number[]): Tensor }).indexSelect([0, 1]), TypeError, /^indexSelect: dim must be an integer/);
  throwsLike(() => E.indexSelect(0, [0, 1.5]), TypeError, /^indexSelect: index\[1\] is 1.5, not an integer/);
  throwsLike(() => E.indexSelect(1, wg.tensor([3])), RangeError, /^indexSelect: index\[0\] = 3 is out of range for dim 1 of size 3/);
  throwsLike(() => E.indexSelect(0, wg.zeros(2, 2)), RangeError, /^indexSelect: index must be 0-d or 1-D, got shape \[2, 2\]/);
  throwsLike(() => E.indexSelect(2, [0]), RangeError, /^indexSelect: dim=2 is out of range/);
});

test('losses: labelSmoothing, weight, ignoreIndex, probabilities, posWeight match PyTorch (float64 fixture)', () => {
  const fns: Record<string, (x: Tensor, t: never, o: never) => Tensor> = {
    crossEntropy: F.crossEntropy as never, nllLoss: F.nllLoss as never,
    binaryCrossEntropy: F.binaryCrossEntropy as never, binaryCrossEntropyWithLogits: F.binaryCrossEntropyWithLogits as never,
  };
  for (const c of fixture.losses as { name: string; inputs: { input: Entry; target: Entry }; options: Record<string, unknown>; output: Entry; cotangent: Entry; grad: Entry }[]) {
    const fn = fns[c.name.split(' ')[0]];
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.options)) options[k] = v !== null && typeof v === 'object' ? T(v as Entry) : v;
    for (const labelsAs of ['tensor', 'array'] as const) {
      const x = T(c.inputs.input, true);
      const isLabels = c.inputs.target.shape.length <= 1 && c.inputs.target.shape.length < c.inputs.input.shape.length && !c.name.startsWith('binary');
      if (labelsAs === 'array' && (!isLabels || c.inputs.target.shape.length === 0)) continue;
      const target = labelsAs === 'array' ? c.inputs.target.data : T(c.inputs.target);
      const out = fn(x, target as never, options as never);
      assert.equal(out.shape.slice(), c.output.shape, `${c.name}: shape`);
      assertClose(out.data(), c.output.data, `${c.name} (${labelsAs} target)`, 2e-5, 1e-6);
      out.mul(T(c.cotangent)).sum().backward();
      assertClose(x.grad!.data(), c.grad.data, `${c.name} gradient`, 2e-5, 1e-6);
    }
  }
});

test('losses: bad labels and options are RangeErrors/TypeErrors naming the op and the label', () => {
  const x = wg.randn(3, 4);
  throwsLike(() => F.crossEntropy(x, [0, 1.5, 2]), RangeError, /^crossEntropy: label 1.5 of sample 1 is not an integer class index/);
  throwsLike(() => F.crossEntropy(x, wg.tensor([0, 1, 4])), RangeError, /^crossEntropy: label 4 of sample 2 is outside \[0, 4\)/);
  throwsLike(() => F.crossEntropy(x, [0, -1, 2]), RangeError, /^crossEntropy: label -1 of sample 1 is outside \[0, 4\)/);
  throwsLike(() => F.crossEntropy(x, [0, NaN, 2]), RangeError, /^crossEntropy: label NaN of sample 1 is not an integer class index/);
  throwsLike(() => F.nllLoss(x, [0, 1, 2], { labelSmoothing: 0.1 } as never), TypeError, /^nllLoss: unknown option 'labelSmoothing'; valid options are reduction, weight, ignoreIndex/);
  throwsLike(() => F.crossEntropy(x, [0, 1, 2], { weight: wg.ones(3) }), RangeError, /^crossEntropy: weight must have shape \[4\]/);
  throwsLike(() => F.crossEntropy(x, wg.zeros(3, 1)), RangeError, /^crossEntropy: target must be 1-D class indices \[3\], got shape \[3, 1\]/);
  throwsLike(() => F.crossEntropy(x, 'cat' as never), TypeError, /^crossEntropy: target must be a Tensor or an array/);
  throwsLike(() => F.mseLoss(x, x, { size_average: true } as never), TypeError, /^mseLoss: unknown option 'size_average'/);
});

test('logSoftmax, softmax and crossEntropy of logits near 1e4 keep their digits (ONNX test_logsoftmax_large_number)', () => {
  for (const row of fixture.large as { name: string; input: Entry; logSoftmax: Entry; softmax: Entry; crossEntropy: number }[]) {
    const x = T(row.input);
    // float32 |log p| < 10 carries ~1e-6 absolute error: ONNX's tolerance is rtol 1e-3, atol 1e-7 against its own float32.
    assertClose(x.logSoftmax(1).data(), row.logSoftmax.data, `logSoftmax ${row.name}`, 1e-6, 1e-6);
    assertClose(x.softmax(1).data(), row.softmax.data, `softmax ${row.name}`, 1e-6, 1e-7);
    assertClose([F.crossEntropy(x, new Array(x.shape[0]).fill(0), { reduction: 'sum' }).item()], [row.crossEntropy], `crossEntropy ${row.name}`, 1e-6, 1e-6);
  }
});

test('BatchNorm1d(momentum: null) keeps cumulative averages as PyTorch', () => {
  const c = fixture.batchNormMomentumNone;
  const bn = new nn.BatchNorm1d(3, { momentum: null });
  for (const b of c.batches) bn(T(b));
  assertClose(bn.runningMean!.data(), c.runningMean, 'runningMean', 1e-5, 1e-6);
  assertClose(bn.runningVar!.data(), c.runningVar, 'runningVar', 1e-5, 1e-6);
  assert.is(bn.numBatchesTracked!.item(), c.numBatchesTracked);
});

test('train loop takes loss modules; DataLoader takes positional batchSize/shuffle; options are checked', () => {
  wg.manualSeed(1);
  const x = wg.randn(40, 2);
  const y = Array.from({ length: 40 }, (_, i) => (x.data()[2 * i] > 0 ? 1 : 0));
  const loader = new data.DataLoader(new data.TensorDataset(x, y), 8, true);
  assert.is(loader.batchSize, 8);
  assert.ok(loader.shuffle);
  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
  const opt = new optim.SGD(model.parameters(), 0.5);
  const first = train.trainEpoch(model, loader, opt, new nn.CrossEntropyLoss());
  let last = first;
  for (let e = 0; e < 5; e++) last = train.trainEpoch(model, loader, opt, (out, t) => F.crossEntropy(out, t));
  assert.ok(last.loss < first.loss, `${last.loss} < ${first.loss}`);
  const ev = train.evaluate(model, loader, { lossFn: new nn.CrossEntropyLoss(), numClasses: 2 });
  assert.ok(ev.accuracy > 0.8 && Number.isFinite(ev.loss));
  throwsLike(() => train.trainEpoch(model, loader, opt, 'crossEntropy' as never), TypeError, /^trainEpoch: lossFn must be a loss function or a loss module/);
  throwsLike(() => train.trainEpoch(model, loader, opt, F.crossEntropy as never, { verbose: true } as never), TypeError, /^trainEpoch: unknown option 'verbose'; valid options are progress, label, onBatch/);
  throwsLike(() => train.evaluate(model, loader, { numClasses: 2, loss: 1 } as never), TypeError, /^evaluate: unknown option 'loss'/);
  throwsLike(() => new data.DataLoader(new data.TensorDataset(x), { batch_size: 4 } as never), TypeError, /^DataLoader: unknown option 'batch_size' \(wasmgrad spells PyTorch's batch_size as batchSize\)/);
  throwsLike(() => new data.DataLoader(new data.TensorDataset(x), 0), RangeError, /^DataLoader: batchSize must be an integer >= 1/);
  throwsLike(() => new data.DataLoader(x as never), TypeError, /^DataLoader: dataset must be a dataset/);
});

test('evaluate on a regression model (real-valued targets) gives the loss and no confusion counts', () => {
  wg.manualSeed(2);
  const x = wg.randn(30, 2);
  const y = wg.randn(30, 1);
  const model = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));
  const ev = train.evaluate(model, new data.DataLoader(new data.TensorDataset(x, y), 8), { lossFn: F.mseLoss });
  const direct = F.mseLoss(model.forward(x), y).item();
  assert.ok(Math.abs(ev.loss - direct) < 1e-6, `${ev.loss} vs ${direct}`);
  assert.is(ev.confusion.flat().reduce((a, b) => a + b, 0), 0);
});

test('nn.init: PyTorch positional arguments and spellings, trailing-underscore names', () => {
  const w = wg.zeros(64, 32);
  nn.init.kaimingUniform_(w, 0, 'fan_out', 'relu');
  const bound = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(64);
  const v = w.data();
  assert.ok(v.every((e) => Math.abs(e) <= bound) && v.some((e) => Math.abs(e) > 0.9 * bound));
  nn.init.kaimingNormal(w, { mode: 'fanIn', nonlinearity: 'leaky_relu', a: 0.1 });
  nn.init.xavierUniform_(w, 2);
  nn.init.uniform_(w, -0.5, 0.5);
  assert.ok(w.data().every((e) => e >= -0.5 && e < 0.5));
  throwsLike(() => nn.init.kaimingUniform(w, { mode: 'fan_middle' } as never), RangeError, /^init.kaimingUniform: mode must be "fanIn" or "fanOut"/);
  throwsLike(() => nn.init.uniform(w, 1, 0), RangeError, /^init.uniform: a \(1\) must not exceed b \(0\)/);
});

test('tensor habits: numel, dim, dtype, device, t, mT, select, narrow, tolist, to/cpu/float/contiguous; the rest refuse by name', () => {
  const x = wg.arange(6).reshape(2, 3);
  assert.is(x.numel(), 6);
  assert.is(x.dim(), 2);
  assert.is(x.dtype, 'float32');
  assert.is(x.device, 'cpu');
  assert.equal(x.t().toArray(), [[0, 3], [1, 4], [2, 5]]);
  assert.equal(wg.arange(8).reshape(2, 2, 2).mT.toArray(), [[[0, 2], [1, 3]], [[4, 6], [5, 7]]]);
  assert.equal(x.select(0, 1).toArray(), [3, 4, 5]);
  assert.equal(x.select(-1, -1).toArray(), [2, 5]);
  assert.equal(x.narrow(1, 1, 2).toArray(), [[1, 2], [4, 5]]);
  assert.equal(x.tolist(), x.toArray());
  for (const same of [x.to('cpu'), x.to('float32'), x.to({ device: 'cpu', dtype: 'float32' }), x.cpu(), x.float(), x.contiguous()]) assert.ok(same === x);
  // select's gradient flows back into the selected row only.
  const w = wg.ones([2, 3], { requiresGrad: true });
  w.select(0, 1).sum().backward();
  assert.equal(w.grad!.toArray(), [[0, 0, 0], [1, 1, 1]]);
  throwsLike(() => x.select(0, 2), RangeError, /^select: index 2 is out of range for dimension 0 of size 2/);
  throwsLike(() => x.narrow(1, 2, 2), RangeError, /^narrow: start 2 \+ length 2 exceeds dimension 1 of size 3/);
  throwsLike(() => wg.arange(8).reshape(2, 2, 2).t(), RangeError, /^t: expects a tensor with at most 2 dimensions/);
  throwsLike(() => x.to('cuda'), TypeError, /^to: wasmgrad tensors are float32 on the CPU/);
  throwsLike(() => x.cuda(), TypeError, /^cuda: wasmgrad has no GPU device/);
  throwsLike(() => x.numpy(), TypeError, /^numpy: there is no NumPy in JavaScript/);
  for (const op of ['long', 'int', 'double', 'half', 'bool'] as const) throwsLike(() => x[op](), TypeError, new RegExp(`^${op}: wasmgrad tensors are float32 only`));
  throwsLike(() => F.relu(x, true), RangeError, /^relu: inplace=true is not supported/);
});

test.run();
