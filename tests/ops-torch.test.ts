/**
 * Every op against PyTorch float64: forward values and the gradient of sum(out · w), from the
 * fixtures scripts/fixtures_ops.py writes (tests/fixtures/torch/ops.json). One line per case:
 * the case's name and the engine's call. Set WASMGRAD_ACCURACY_OUT=<file.md> to write the
 * table of errors (docs/accuracy.md is made that way).
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { Tensor } from '../bindings/index.js';
import { opOfCase, registerCheck } from './helpers/coverage.js';

const F = wg.nn.functional;
const L = wg.linalg;
/** scale·I [n, n] */
const eye = (n: number, scale = 1): Tensor => wg.tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0))));
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Engine = (xs: Tensor[]) => Tensor;
/** An engine call and, where float32 needs it, [rtol, atol] for the forward and the gradient. */
type Entry = Engine | { fn: Engine; fwd?: [number, number]; grad?: [number, number] };

const sumProducts = (parts: Tensor[]): Tensor => parts.map((p, i) => p.mul(i + 1).sum(0)).reduce((a, b) => a.add(b));

export const ENGINE: Record<string, Entry> = {
  // ---- ops from before issue 13 ----
  'add: broadcast [2,3,4] [3,1]': ([a, b]) => wg.add(a, b),
  'sub: broadcast [2,3,4] [3,1]': ([a, b]) => wg.sub(a, b),
  'mul: broadcast [2,3,4] [3,1]': ([a, b]) => wg.mul(a, b),
  'div: broadcast [2,3,4] [3,1]': ([a, b]) => wg.div(a, b),
  'maximum: broadcast [2,3,4] [3,1]': ([a, b]) => wg.maximum(a, b),
  'minimum: broadcast [2,3,4] [3,1]': ([a, b]) => wg.minimum(a, b),
  'pow: broadcast [2,3,4] [3,1]': ([a, b]) => wg.pow(a, b),
  'neg: [3,5]': ([x]) => wg.neg(x),
  'square: [3,5]': ([x]) => wg.square(x),
  'sqrt: [3,5]': ([x]) => wg.sqrt(x),
  'exp: [3,5]': ([x]) => wg.exp(x),
  'log: [3,5]': ([x]) => wg.log(x),
  'abs: [3,5]': ([x]) => wg.abs(x),
  'reciprocal: [3,5]': ([x]) => wg.reciprocal(x),
  'sigmoid: [3,5]': ([x]) => wg.sigmoid(x),
  'relu: [3,5]': ([x]) => wg.relu(x),
  'tanh: [3,5]': ([x]) => wg.tanh(x),
  'softplus: [3,5]': ([x]) => wg.softplus(x),
  'sign: [3,5]': ([x]) => wg.sign(x),
  'clone: [3,5]': ([x]) => wg.clone(x),
  'leakyRelu: slope 0.1': ([x]) => wg.leakyRelu(x, 0.1),
  'clamp: [-0.5, 0.7]': ([x]) => wg.clamp(x, -0.5, 0.7),
  'gt: [3,4] [4]': ([a, b]) => wg.gt(a, b),
  'ge: [3,4] [4]': ([a, b]) => wg.ge(a, b),
  'lt: [3,4] [4]': ([a, b]) => wg.lt(a, b),
  'le: [3,4] [4]': ([a, b]) => wg.le(a, b),
  'eq: [3,4] [4]': ([a, b]) => wg.eq(a, b),
  'ne: [3,4] [4]': ([a, b]) => wg.ne(a, b),
  'sum: dim [0,2] keepdim': ([x]) => wg.sum(x, [0, 2], true),
  'mean: dim 1': ([x]) => wg.mean(x, 1),
  'max: dim 1': ([x]) => wg.max(x, 1),
  'min: all': ([x]) => wg.min(x),
  'argmax: dim 0': ([x]) => wg.argmax(x, 0),
  'argmin: dim 1': ([x]) => wg.argmin(x, 1),
  'softmax: dim 1': ([x]) => wg.softmax(x, 1),
  'logSoftmax: dim -1': ([x]) => wg.logSoftmax(x, -1),
  'matmul: [3,4] [4,5]': ([a, b]) => wg.matmul(a, b),
  'matmul: batched broadcast [2,1,3,4] [5,4,2]': ([a, b]) => wg.matmul(a, b),
  'matmul: vector [4] [2,4,3]': ([a, b]) => wg.matmul(a, b),
  'reshape: [2,6] -> [3,-1]': ([x]) => wg.reshape(x, [3, -1]),
  'flatten: start 1': ([x]) => wg.flatten(x, 1),
  'unsqueeze: dim 1': ([x]) => wg.unsqueeze(x, 1),
  'squeeze: dim 1': ([x]) => wg.squeeze(x, 1),
  'transpose: 0 2': ([x]) => wg.transpose(x, 0, 2),
  'permute: 2 0 1': ([x]) => wg.permute(x, [2, 0, 1]),
  'slice: dim 1 1:8:3': ([x]) => wg.slice(x, 1, 1, 8, 3),
  'cat: dim 1': ([a, b]) => wg.cat([a, b], 1),
  'indexSelect: rows [4,0,4,2]': ([x]) => wg.indexSelect(x, 0, [4, 0, 4, 2]),
  'indexSelect: dim 1': ([x, i]) => wg.indexSelect(x, 1, i),
  'oneHot: 4 classes': ([l]) => wg.oneHot(l, 4),
  'F.linear: bias': ([x, w, b]) => F.linear(x, w, b),
  'F.conv2d: stride 2 padding 1': ([x, w, b]) => F.conv2d(x, w, b, { stride: 2, padding: 1 }),
  // Winograd's transforms add and subtract inputs before they are multiplied, so its rounding error
  // follows the sum of |terms| (here 144–153 products of up to 4) rather than the result: 5e-6
  // where cancellation leaves a result near 0.1, 2e-7 of the outputs' scale (~25). atol allows 2e-5.
  'F.conv2d: 3x3 16 -> 20 channels padding 1 (Winograd)': { fn: ([x, w, b]) => F.conv2d(x, w, b, { padding: 1 }), fwd: [2e-5, 2e-5] },
  'F.conv2d: 3x3 17 -> 16 channels valid (Winograd)': { fn: ([x, w]) => F.conv2d(x, w), fwd: [2e-5, 2e-5] },
  'F.maxPool2d: k2': ([x]) => F.maxPool2d(x, { kernelSize: 2 }),
  'F.avgPool2d: k3 s2 p1': ([x]) => F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
  'F.mseLoss: mean': ([p, t]) => F.mseLoss(p, t),
  'F.nllLoss: mean': ([x, l]) => F.nllLoss(x.logSoftmax(1), l),
  'F.binaryCrossEntropy: mean': ([p, t]) => F.binaryCrossEntropy(p, t),
  'F.binaryCrossEntropyWithLogits: mean': ([x, t]) => F.binaryCrossEntropyWithLogits(x, t),
  'F.crossEntropy: [N,C] mean': ([x, l]) => F.crossEntropy(x, l),

  // ---- selection ----
  'where: broadcast cond [3,1] x [3,4] y [4]': ([c, x, y]) => wg.where(c, x, y),
  'where: scalar other': ([c, x]) => wg.where(c, x, -1.5),
  'maskedFill: mask [1,4] value -inf': ([x, m]) => wg.maskedFill(x, m, -Infinity),
  'maskedFill: value 2.5': ([x, m]) => x.maskedFill(m, 2.5),
  'tril: [4,5]': ([x]) => wg.tril(x),
  'tril: batched diagonal -1': ([x]) => wg.tril(x, -1),
  'triu: diagonal 1': ([x]) => x.triu(1),
  'triu: batched diagonal -2': ([x]) => wg.triu(x, -2),
  // ---- statistics ----
  'var: all': ([x]) => wg.var(x),
  'var: dim 1 correction 0 keepdim': ([x]) => wg.var(x, 1, { correction: 0, keepdim: true }),
  'var: dims [0,2]': ([x]) => x.var([0, 2]),
  'std: dim 0': ([x]) => wg.std(x, 0),
  'std: all unbiased false': ([x]) => x.std(null, false),
  'norm: 2 all': ([x]) => wg.norm(x),
  'norm: 1 dim 1': ([x]) => wg.norm(x, 1, 1),
  'norm: inf dim 0 keepdim': ([x]) => x.norm(Infinity, 0, true),
  'norm: -inf dim 1': ([x]) => wg.norm(x, -Infinity, 1),
  'norm: 3 dims [0,1]': ([x]) => wg.norm(x, 3, [0, 1]),
  'norm: 2 with a zero row': ([x]) => wg.norm(x, 2, 1),
  'logsumexp: dim 1': ([x]) => wg.logsumexp(x, 1),
  'logsumexp: dims [0,2] keepdim': ([x]) => x.logsumexp([0, 2], true),
  'cumsum: dim 1': ([x]) => wg.cumsum(x, 1),
  'cumsum: dim 0': ([x]) => x.cumsum(0),
  // ---- shaping ----
  'chunk: 3 of 7 (sum of chunk products)': ([x]) => sumProducts(wg.chunk(x, 3)),
  'split: sizes [1,3,2] dim 1': ([x]) => wg.cat(x.split([1, 3, 2], 1).map((p, i) => p.mul(i + 1)), 1),
  'split: size 2 dim 0': ([x]) => wg.cat(wg.split(x, 2).map((p, i) => p.sum(0, true).mul(i + 1)), 0),
  'expand: [3,1] -> [2,3,4]': ([x]) => x.expand(2, 3, 4),
  'expand: -1 keeps': ([x]) => wg.expand(x, [3, -1]),
  'repeat: [2,3] x (2,1,2)': ([x]) => x.repeat(2, 1, 2),
  'repeat: 1-d x (3,2)': ([x]) => wg.repeat(x, [3, 2]),
  'flip: dim 1': ([x]) => wg.flip(x, 1),
  'flip: dims [0,2]': ([x]) => x.flip([0, 2]),
  'F.pad: constant (1,2) value 0.5': ([x]) => F.pad(x, [1, 2], { value: 0.5 }),
  'F.pad: constant 2-d with crop (1,-1,2,0)': ([x]) => F.pad(x, [1, -1, 2, 0]),
  'F.pad: reflect (2,1)': ([x]) => F.pad(x, [2, 1], 'reflect'),
  'F.pad: reflect 2-d (1,2,2,1)': ([x]) => F.pad(x, [1, 2, 2, 1], { mode: 'reflect' }),
  'F.pad: replicate (2,1)': ([x]) => F.pad(x, [2, 1], 'replicate'),
  'F.pad: circular 2-d (1,1,2,0)': ([x]) => F.pad(x, [1, 1, 2, 0], 'circular'),
  // ---- indexing and sorting ----
  'gather: dim 1': ([x, i]) => wg.gather(x, 1, i),
  'gather: dim 0 smaller index': ([x, i]) => x.gather(0, i),
  'scatter: dim 1 src': ([x, i, s]) => wg.scatter(x, 1, i, s),
  'scatter: dim 0 value': ([x, i]) => x.scatter(0, i, -0.75),
  'scatterAdd: dim 0 repeated': ([x, i, s]) => wg.scatterAdd(x, 0, i, s),
  'scatterAdd: dim 1 smaller index': ([x, i, s]) => x.scatterAdd(1, i, s),
  'indexAdd: dim 0 repeated': ([x, i, s]) => wg.indexAdd(x, 0, i, s),
  'indexAdd: dim 1 alpha -2': ([x, i, s]) => x.indexAdd(1, i, s, { alpha: -2 }),
  'sort: values dim -1': ([x]) => wg.sort(x).values,
  'sort: indices descending dim 0': ([x]) => wg.sort(x, 0, true).indices,
  'sort: values descending dim 0': ([x]) => x.sort({ dim: 0, descending: true })[0],
  'argsort: dim 1': ([x]) => wg.argsort(x, 1),
  'argsort: descending': ([x]) => x.argsort(-1, true),
  'topk: values k=2': ([x]) => wg.topk(x, 2).values,
  'topk: indices k=3 smallest dim 0': ([x]) => wg.topk(x, 3, 0, false).indices,
  'topk: values k=3 smallest dim 0': ([x]) => x.topk(3, { dim: 0, largest: false }).values,
  'expandAs: [1,3] as [2,3]': ([x, o]) => x.expandAs(o),
  'broadcastTo: [3] -> [2,2,3]': ([x]) => wg.broadcastTo(x, [2, 2, 3]),
  // ---- einsum and distances ----
  'einsum: bij,bjk->bik': ([a, b]) => wg.einsum('bij,bjk->bik', a, b),
  'einsum: bhqd,bhkd->bhqk': ([a, b]) => wg.einsum('bhqd,bhkd->bhqk', a, b),
  'einsum: ij,kj->ik': ([a, b]) => wg.einsum('ij,kj->ik', a, b),
  'einsum: bi,ij,bj->b (RBM energy)': ([v, w, h]) => wg.einsum('bi,ij,bj->b', v, w, h),
  'einsum: implicit ij,jk': ([a, b]) => wg.einsum('ij,jk', [a, b]),
  'einsum: ...ij->...ji with sum ij->': ([a]) => wg.einsum('...ij->...ji', a).mul(wg.einsum('bij->', a)),
  'einsum: outer i,j->ij': ([a, b]) => wg.einsum('i,j->ij', a, b),
  'einsum: broadcast ...ij,...jk': ([a, b]) => wg.einsum('...ij,...jk->...ik', a, b),
  'cdist: p=2 small': ([a, b]) => wg.cdist(a, b),
  'cdist: p=2 matrix-product route (P=30)': { fn: ([a, b]) => wg.cdist(a, b), fwd: [1e-4, 1e-5], grad: [1e-3, 1e-4] },
  'cdist: p=1': ([a, b]) => wg.cdist(a, b, 1),
  'cdist: p=inf': ([a, b]) => wg.cdist(a, b, Infinity),
  'cdist: p=3 broadcast batch': ([a, b]) => wg.cdist(a, b, 3),
  // ---- the layers family's ops ----
  'erf: [3,5]': ([x]) => wg.erf(x),
  'gelu: exact': ([x]) => wg.gelu(x),
  'gelu: tanh': ([x]) => wg.gelu(x, { approximate: 'tanh' }),
  'silu: [3,5]': ([x]) => wg.silu(x),
  'F.adaptiveAvgPool2d: 5x7 -> 3x2': ([x]) => F.adaptiveAvgPool2d(x, [3, 2]),
  'F.convTranspose2d: stride 2 padding 1 outputPadding 1': ([x, w, b]) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
  'F.convTranspose2d: 3x3 16 -> 16 channels stride 1 padding 1 (Winograd)': { fn: ([x, w, b]) => F.convTranspose2d(x, w, b, { padding: 1 }), fwd: [2e-5, 2e-5] },
  'F.embedding: rows': ([i, w]) => F.embedding(i, w),
  'F.interpolate: nearest x2': ([x]) => F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }),
  'F.interpolate: bilinear size 5x7': ([x]) => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }),
  'F.interpolate: bilinear alignCorners': ([x]) => F.interpolate(x, { size: [6, 5], mode: 'bilinear', alignCorners: true }),
  'F.layerNorm: [4] affine': ([x, w, b]) => F.layerNorm(x, [4], w, b),
  'F.layerNorm: [3,4] no affine': ([x]) => F.layerNorm(x, [3, 4]),
  'F.batchNorm: training affine [3,2,3,3]': ([x, w, b]) => F.batchNorm(x, null, null, w, b, true),
  'F.batchNorm: training no affine [6,2]': ([x]) => F.batchNorm(x, null, null, null, null, true),
  'F.batchNorm: eval running stats [4,3,5]': ([x, rm, rv, w, b]) => F.batchNorm(x, rm, rv, w, b, false),
  'F.scaledDotProductAttention: additive mask': ([q, k, v, m]) => F.scaledDotProductAttention(q, k, v, { attnMask: m }),
  'F.scaledDotProductAttention: causal': ([q, k, v]) => F.scaledDotProductAttention(q, k, v, { isCausal: true }),
  'F.unflatten: dim 1 -> [2,3]': ([x]) => F.unflatten(x, 1, [2, 3]),
  // ---- losses: KL divergence, Huber, smooth L1, cross-entropy over [N, C, d1, ...] ----
  'F.klDiv: batchmean': ([x, t]) => F.klDiv(x.logSoftmax(1), t, { reduction: 'batchmean' }),
  'F.klDiv: mean': ([x, t]) => F.klDiv(x, t),
  'F.klDiv: logTarget sum': ([x, t]) => F.klDiv(x, t, { reduction: 'sum', logTarget: true }),
  'F.klDiv: none with zero targets': ([x, t]) => F.klDiv(x, t, { reduction: 'none' }),
  'F.huberLoss: mean': ([x, t]) => F.huberLoss(x, t),
  'F.huberLoss: delta 0.5 none': ([x, t]) => F.huberLoss(x, t, { reduction: 'none', delta: 0.5 }),
  'F.smoothL1Loss: beta 0.5 sum': ([x, t]) => F.smoothL1Loss(x, t, { reduction: 'sum', beta: 0.5 }),
  'F.smoothL1Loss: beta 0 (L1) mean': ([x, t]) => F.smoothL1Loss(x, t, { beta: 0 }),
  'F.smoothL1Loss: default none': ([x, t]) => new wg.nn.SmoothL1Loss({ reduction: 'none' })(x, t) as Tensor,
  'F.crossEntropy: [N,C,H,W] ignoreIndex labelSmoothing': ([x, l]) => F.crossEntropy(x, l, { ignoreIndex: -100, labelSmoothing: 0.1 }),
  'F.crossEntropy: [N,C,L] weight none': ([x, l, w]) => F.crossEntropy(x, l, { weight: w, reduction: 'none' }),
  'F.crossEntropy: [N,C,L] weight ignoreIndex 2 sum': ([x, l, w]) => new wg.nn.CrossEntropyLoss({ weight: w, ignoreIndex: 2, reduction: 'sum' })(x, l) as Tensor,
  'F.crossEntropy: [N,C,L] probabilities': ([x, t]) => F.crossEntropy(x, t, { labelSmoothing: 0.2 }),
  'F.nllLoss: [N,C,L] mean': ([x, l]) => F.nllLoss(x.logSoftmax(1), l),
  // ---- linalg (float64 inside; signs fixed the same way on both sides) ----
  'linalg.eigh: eigenvalues [5,5]': ([a]) => L.eigh(a).eigenvalues,
  'linalg.eigh: eigenvectors [4,4]': ([a]) => L.eigh(a).eigenvectors,
  'linalg.eigh: both, batched [2,3,3]': ([a]) => { const [l, v] = L.eigh(a); return v.mul(l.unsqueeze(-2)); },
  'linalg.eigh: SPD [6,6] eigenvectors': ([a]) => L.eigh(a)[1],
  'linalg.eigvalsh: [4,4]': ([a]) => L.eigvalsh(a),
  'linalg.svd: U [5,3]': ([a]) => L.svd(a).U,
  'linalg.svd: S [5,3]': ([a]) => L.svd(a, false).S,
  'linalg.svd: Vh [5,3]': ([a]) => L.svd(a)[2],
  'linalg.svd: U wide [3,5]': ([a]) => L.svd(a).U,
  'linalg.svd: Vh wide [3,5]': ([a]) => L.svd(a).Vh,
  'linalg.svd: reconstruction batched [2,4,3]': ([a]) => { const { U, S, Vh } = L.svd(a); return U.mul(S.unsqueeze(-2)).matmul(Vh); },
  'linalg.svdvals: [4,6]': ([a]) => L.svdvals(a),
  'linalg.solve: [4,4] [4,2]': ([a, b]) => L.solve(a, b),
  'linalg.solve: vector [3]': ([a, b]) => L.solve(a.add(eye(3, 3)), b),
  'linalg.solve: batched [2,3,3] [2,3,1]': ([a, b]) => L.solve(a.add(eye(3, 3)), b),
  'linalg.inv: [4,4]': ([a]) => L.inv(a),
  'linalg.inv: batched [2,3,3]': ([a]) => L.inv(a.add(eye(3, 3))),
  'linalg.pinv: [5,3]': ([a]) => L.pinv(a),
  'linalg.pinv: wide [2,4]': ([a]) => L.pinv(a),
  'linalg.lstsq: tall [6,3] [6,2]': ([a, b]) => L.lstsq(a, b).solution,
  'linalg.lstsq: vector [5,2] [5]': ([a, b]) => L.lstsq(a, b).solution,
  'linalg.lstsq: wide minimum norm [2,4] [2,1]': ([a, b]) => L.lstsq(a, b, { driver: 'gelsd' }).solution,
};

interface FixtureTensor { shape: number[]; data: (number | string)[] }
interface FixtureCase {
  name: string;
  inputs: (FixtureTensor & { grad: boolean })[];
  out: FixtureTensor;
  cotangent: (number | string)[];
  grads: (FixtureTensor | null)[];
}

const decode = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

export const fixture = JSON.parse(readFileSync(join(root, 'tests', 'fixtures', 'torch', 'ops.json'), 'utf8')) as { torch_version: string; cases: FixtureCase[] };
for (const c of fixture.cases) registerCheck(opOfCase(c.name), 'torch');

/** max |a − e| / max(1, |e|) (relative for large values, absolute for small ones), and whether within tol. */
function compare(actual: ArrayLike<number>, expected: (number | string)[], rtol: number, atol: number, what: string): number {
  assert.is(actual.length, expected.length, `${what}: number of values`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = decode(expected[i]);
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) assert.unreachable(`${what}: element ${i}: got ${a}, expected ${e}`);
      continue;
    }
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      assert.unreachable(`${what}: element ${i}: got ${a}, expected ${e} (|diff| ${err.toExponential(2)} > ${atol} + ${rtol}·|expected|)`);
    }
    worst = Math.max(worst, err / Math.max(1, Math.abs(e)));
  }
  return worst;
}

export const errors: { name: string; forward: number; gradient: number | null }[] = [];
const test = suite('ops vs PyTorch');
test.before(async () => { await wg.init(); });

test('every fixture case has an engine call, and every engine call a fixture case', () => {
  const names = new Set(fixture.cases.map((c) => c.name));
  const missing = fixture.cases.filter((c) => !(c.name in ENGINE)).map((c) => c.name);
  const stale = Object.keys(ENGINE).filter((n) => !names.has(n));
  assert.equal(missing, [], 'fixture cases without an engine call');
  assert.equal(stale, [], 'engine calls without a fixture case (re-run scripts/fixtures_ops.py)');
});

for (const c of fixture.cases) {
  test(c.name, () => {
    const entry = ENGINE[c.name];
    if (!entry) return; // reported by the test above
    const { fn, fwd = [2e-5, 2e-6], grad = [1e-4, 1e-5] } = typeof entry === 'function' ? { fn: entry } : entry;
    const xs = c.inputs.map((t) => wg.tensor(Float32Array.from(t.data.map(decode)), { shape: t.shape, requiresGrad: t.grad }));
    const out = fn(xs);
    assert.equal(out.shape.slice(), c.out.shape, `${c.name}: output shape`);
    const forward = compare(out.data(), c.out.data, fwd[0], fwd[1], `${c.name} forward`);
    let gradient: number | null = null;
    if (c.grads.some((g) => g !== null) && out.requiresGrad) {
      out.mul(wg.tensor(Float32Array.from(c.cotangent.map(decode)), { shape: c.out.shape })).sum().backward();
      gradient = 0;
      c.grads.forEach((g, i) => {
        if (!g) return;
        assert.ok(xs[i].grad, `${c.name}: input ${i} got no gradient`);
        gradient = Math.max(gradient!, compare(xs[i].grad!.data(), g.data, grad[0], grad[1], `${c.name} gradient of input ${i}`));
      });
    }
    errors.push({ name: c.name, forward, gradient });
  });
}

test('accuracy table (written when WASMGRAD_ACCURACY_OUT is set)', () => {
  const out = process.env.WASMGRAD_ACCURACY_OUT;
  if (!out) return;
  const byOp = new Map<string, { cases: number; forward: number; gradient: number | null }>();
  for (const e of errors) {
    const op = opOfCase(e.name);
    const r = byOp.get(op) ?? { cases: 0, forward: 0, gradient: null };
    r.cases++;
    r.forward = Math.max(r.forward, e.forward);
    if (e.gradient !== null) r.gradient = Math.max(r.gradient ?? 0, e.gradient);
    byOp.set(op, r);
  }
  const fmtErr = (v: number | null) => (v === null ? '—' : v === 0 ? '0' : v.toExponential(1));
  const lines = [
    `# Accuracy against PyTorch ${fixture.torch_version} (float64)`,
    '',
    'Generated by `WASMGRAD_ACCURACY_OUT=docs/accuracy.md npm test` from tests/ops-torch.test.ts: for each op, the',
    'largest error over its fixture cases of the float32 engine against PyTorch in float64, measured as',
    '|engine − torch| / max(1, |torch|) (relative for values above 1, absolute below). "Gradient" is the',
    'gradient of sum(out · w) for a random w; "—" where the op has no gradient.',
    '',
    '| op | cases | forward | gradient |',
    '| --- | ---: | ---: | ---: |',
    ...[...byOp.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([op, r]) => `| \`${op}\` | ${r.cases} | ${fmtErr(r.forward)} | ${fmtErr(r.gradient)} |`),
    '',
  ];
  writeFileSync(out + '.tmp', lines.join('\n'));
  renameSync(out + '.tmp', out);
});

test.run();
