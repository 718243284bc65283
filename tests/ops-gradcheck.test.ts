/**
 * Finite-difference gradient checks of the issue-13 ops, one line each: the backward rule
 * against differences of the engine's own forward (checkOp without a float64 ref; the forward
 * itself is checked against PyTorch in ops-torch.test.ts). Inputs avoid kinks by construction
 * (ranges away from 0 for |x|, few elements where an order could flip).
 */
import { suite } from 'uvu';
import * as wg from '../bindings/index.js';
import { checkOp, OpCase } from './helpers/check.js';
import { opOfCase, registerCheck } from './helpers/coverage.js';

const F = wg.nn.functional;
const test = suite('gradient checks (finite differences)');
test.before(async () => { await wg.init(); });

const add = (c: OpCase) => {
  registerCheck(opOfCase(c.name), 'fd');
  test(`${c.name} ${JSON.stringify(c.shapes)}`, () => checkOp(c));
};
const mask = (rows: number[][]) => wg.tensor(rows);

add({ name: 'where', shapes: [[3, 4], [4]], engine: ([x, y]) => wg.where(mask([[1], [0], [1]]), x, y) });
add({ name: 'maskedFill', shapes: [[3, 4]], engine: ([x]) => wg.maskedFill(x, mask([[1, 0, 0, 1]]), -3) });
add({ name: 'tril', shapes: [[2, 3, 4]], engine: ([x]) => wg.tril(x, 1) });
add({ name: 'triu', shapes: [[4, 3]], engine: ([x]) => wg.triu(x, -1) });
add({ name: 'var', shapes: [[3, 5]], engine: ([x]) => wg.var(x, 1, { correction: 0 }) });
add({ name: 'std', shapes: [[2, 3, 4]], engine: ([x]) => wg.std(x, [0, 2]) });
add({ name: 'norm 2', shapes: [[3, 4]], engine: ([x]) => wg.norm(x, 2, 1) });
add({ name: 'norm 1', shapes: [[3, 4]], range: [0.3, 2], engine: ([x]) => wg.norm(x.mul(wg.tensor([1, -1, 1, -1])), 1, 0) });
add({ name: 'norm inf', shapes: [[2, 3]], seed: 5, engine: ([x]) => wg.norm(x, Infinity, 1) });
add({ name: 'norm p=3', shapes: [[2, 5]], range: [0.3, 2], engine: ([x]) => wg.norm(x, 3) });
add({ name: 'logsumexp', shapes: [[3, 4]], engine: ([x]) => wg.logsumexp(x, [0, 1]) });
add({ name: 'cumsum', shapes: [[3, 5]], engine: ([x]) => wg.cumsum(x, 1) });
add({ name: 'chunk', shapes: [[5, 2]], engine: ([x]) => wg.cat(wg.chunk(x, 2).map((c, i) => c.mul(i + 2)), 0) });
add({ name: 'split', shapes: [[2, 6]], engine: ([x]) => wg.cat(wg.split(x, [4, 2], 1).map((c, i) => c.square().mul(i + 1)), 1) });
add({ name: 'expand', shapes: [[3, 1]], engine: ([x]) => wg.expand(x, 2, 3, 4).mul(wg.arange(4)) });
add({ name: 'repeat', shapes: [[2, 3]], engine: ([x]) => wg.repeat(x, 2, 2, 1).mul(wg.arange(3)) });
add({ name: 'flip', shapes: [[2, 3, 4]], engine: ([x]) => wg.flip(x, [0, 2]).mul(wg.arange(4)) });
add({ name: 'F.pad constant', shapes: [[2, 3, 4]], engine: ([x]) => F.pad(x, [1, -1, 2, 1], { value: 0.3 }).mul(wg.arange(4)) });
add({ name: 'F.pad reflect', shapes: [[1, 2, 4, 5]], engine: ([x]) => F.pad(x, [2, 1, 1, 3], 'reflect').mul(wg.arange(8)) });
add({ name: 'F.pad replicate', shapes: [[2, 3]], engine: ([x]) => F.pad(x, [2, 1], 'replicate').mul(wg.arange(6)) });
add({ name: 'F.pad circular', shapes: [[1, 3, 4]], engine: ([x]) => F.pad(x, [1, 2], 'circular').mul(wg.arange(7)) });
add({ name: 'gather', shapes: [[3, 4]], engine: ([x]) => wg.gather(x, 1, [[0, 3, 3], [1, 1, 0], [2, 0, 1]]) });
add({ name: 'scatter', shapes: [[3, 5], [3, 2]], engine: ([x, s]) => wg.scatter(x, 1, [[0, 4], [1, 2], [3, 0]], s) });
add({ name: 'scatterAdd', shapes: [[3, 4], [2, 4]], engine: ([x, s]) => wg.scatterAdd(x, 0, [[0, 1, 2, 0], [0, 1, 1, 2]], s) });
add({ name: 'indexAdd', shapes: [[2, 4, 3], [2, 3, 3]], engine: ([x, s]) => wg.indexAdd(x, 1, [3, 1, 3], s, { alpha: 0.5 }) });
add({ name: 'indexSelect', shapes: [[2, 4, 3]], engine: ([x]) => wg.indexSelect(x, 2, [2, 0, 2]) });
add({ name: 'sort', shapes: [[2, 4]], seed: 3, engine: ([x]) => wg.sort(x, 1, true).values.mul(wg.arange(4)) });
add({ name: 'topk', shapes: [[5, 2]], seed: 3, engine: ([x]) => wg.topk(x, 2, 0).values.mul(wg.tensor([[1, 2], [3, 4]])) });
add({ name: 'matmul broadcast batch', shapes: [[2, 1, 3, 4], [5, 4, 2]], engine: ([a, b]) => wg.matmul(a, b) });
add({ name: 'matmul batched', shapes: [[3, 2, 4], [3, 4, 5]], engine: ([a, b]) => a.matmul(b) });
add({ name: 'expandAs', shapes: [[2, 1], [2, 3]], grad: [true, false], engine: ([x, o]) => x.expandAs(o).mul(wg.arange(3)) });
add({ name: 'broadcastTo', shapes: [[3]], engine: ([x]) => wg.broadcastTo(x, [2, 3]).mul(wg.tensor([[1], [2]])) });
add({ name: 'clone', shapes: [[3, 2]], engine: ([x]) => wg.clone(x).square() });
add({ name: 'squeeze', shapes: [[2, 1, 3]], engine: ([x]) => wg.squeeze(x, 1).mul(wg.arange(3)) });
add({ name: 'unsqueeze', shapes: [[2, 3]], engine: ([x]) => wg.unsqueeze(x, 0).mul(wg.arange(3)) });
add({ name: 'einsum bhqd,bhkd->bhqk', shapes: [[1, 2, 3, 4], [1, 2, 2, 4]], engine: ([q, k]) => wg.einsum('bhqd,bhkd->bhqk', q, k) });
add({ name: 'einsum bi,ij,bj->b', shapes: [[2, 3], [3, 4], [2, 4]], engine: ([v, w, h]) => wg.einsum('bi,ij,bj->b', v, w, h) });
add({ name: 'einsum ...ij,...jk broadcast', shapes: [[2, 1, 2, 3], [2, 3, 2]], engine: ([a, b]) => wg.einsum('...ij,...jk->...ik', a, b) });
add({ name: 'cdist p=2', shapes: [[3, 2], [4, 2]], engine: ([a, b]) => wg.cdist(a, b) });
add({ name: 'cdist p=2 matrix-product route', shapes: [[3, 2], [4, 2]], engine: ([a, b]) => wg.cdist(a, b, 2, { computeMode: 'useMmForEuclidDist' }) });
add({ name: 'cdist p=1', shapes: [[2, 3], [3, 3]], range: [0, 1], engine: ([a, b]) => wg.cdist(a, b.add(wg.tensor([1.5, -1.5, 2])), 1) });
add({ name: 'F.unflatten', shapes: [[2, 6]], engine: ([x]) => F.unflatten(x, 1, [3, 2]).mul(wg.arange(2)) });

// losses: targets drawn away from the Huber / smooth-L1 kinks (|d| = delta) by the seed
add({ name: 'F.klDiv', shapes: [[2, 4], [2, 4]], engine: ([x, t]) => F.klDiv(x.logSoftmax(1), t.abs().add(0.1), { reduction: 'batchmean' }) });
add({ name: 'F.klDiv logTarget', shapes: [[3, 2], [3, 2]], engine: ([x, t]) => F.klDiv(x, t, { reduction: 'sum', logTarget: true }) });
add({ name: 'F.huberLoss', shapes: [[3, 4], [3, 4]], engine: ([x, t]) => F.huberLoss(x, t, { delta: 0.7, reduction: 'sum' }) });
add({ name: 'F.smoothL1Loss', shapes: [[3, 4], [3, 4]], engine: ([x, t]) => F.smoothL1Loss(x, t, { beta: 0.7, reduction: 'none' }) });
add({ name: 'F.crossEntropy [N,C,H,W]', shapes: [[2, 3, 2, 2]], engine: ([x]) => F.crossEntropy(x, wg.tensor([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]), { labelSmoothing: 0.1 }) });
add({ name: 'F.nllLoss [N,C,L]', shapes: [[2, 3, 4]], engine: ([x]) => F.nllLoss(x, wg.tensor([[0, 2, 1, 1], [2, 2, 0, 1]]), { reduction: 'sum' }) });

// linalg: eigh reads one triangle, so its check differentiates through X + Xᵀ (the gradient of a
// symmetric input); solve and inv get a diagonal shift that keeps them well conditioned.
const L = wg.linalg;
const shift = (n: number, by: number) => wg.tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? by : 0))));
const sym = (x: wg.Tensor) => x.add(x.transpose(-2, -1));
add({ name: 'linalg.eigh', shapes: [[4, 4]], engine: ([x]) => { const [l, v] = L.eigh(sym(x)); return v.mul(l.unsqueeze(0)); } });
add({ name: 'linalg.eigh batched eigenvalues', shapes: [[2, 3, 3]], engine: ([x]) => L.eigh(sym(x)).eigenvalues });
add({ name: 'linalg.eigvalsh', shapes: [[3, 3]], engine: ([x]) => L.eigvalsh(sym(x)) });
add({ name: 'linalg.svd tall', shapes: [[5, 3]], engine: ([x]) => { const { U, S, Vh } = L.svd(x); return wg.cat([U.reshape([-1]), S, Vh.reshape([-1])], 0); } });
add({ name: 'linalg.svd wide', shapes: [[2, 4]], engine: ([x]) => { const { U, S, Vh } = L.svd(x); return wg.cat([U.reshape([-1]), S.square(), Vh.reshape([-1])], 0); } });
add({ name: 'linalg.svdvals', shapes: [[3, 4]], engine: ([x]) => L.svdvals(x) });
add({ name: 'linalg.solve', shapes: [[3, 3], [3, 2]], engine: ([a, b]) => L.solve(a.add(shift(3, 4)), b) });
add({ name: 'linalg.solve vector', shapes: [[3, 3], [3]], engine: ([a, b]) => L.solve(a.add(shift(3, 4)), b) });
add({ name: 'linalg.inv', shapes: [[2, 3, 3]], engine: ([a]) => L.inv(a.add(shift(3, 4))) });
add({ name: 'linalg.pinv', shapes: [[4, 3]], engine: ([a]) => L.pinv(a) });
add({ name: 'linalg.lstsq', shapes: [[5, 3], [5, 2]], engine: ([a, b]) => L.lstsq(a, b).solution });
add({ name: 'linalg.lstsq wide', shapes: [[2, 3], [2]], engine: ([a, b]) => L.lstsq(a, b).solution });

test.run();
