/**
 * The issue-13 ops refuse bad input with errors that name the op and the shapes (the wording is
 * locked here), and the batched GEMM gives the same bits on one thread and on two.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { setParallelMinFlops } from '../bindings/threads.js';

const F = wg.nn.functional;
const test = suite('ops: errors and determinism');
test.before(async () => { await wg.init(); });

const throws = (fn: () => unknown, ...parts: string[]) => {
  try {
    fn();
  } catch (err) {
    const msg = (err as Error).message;
    for (const p of parts) assert.ok(msg.includes(p), `"${msg}" should mention "${p}"`);
    return;
  }
  assert.unreachable(`expected an error mentioning ${parts.join(', ')}`);
};

test('selection, statistics and shaping name the op and the shapes', () => {
  const x = wg.zeros([2, 3]);
  throws(() => wg.where(wg.ones([4]), x, 0), 'where:', '[4]', '[2, 3]', 'cannot be broadcast');
  throws(() => wg.maskedFill(x, wg.ones([3, 1]), 0), 'maskedFill:', 'mask [3, 1]', "input's shape [2, 3]");
  throws(() => wg.maskedFill(x, wg.ones([3]), wg.ones([1]) as unknown as number), 'maskedFill: value must be a number');
  throws(() => wg.tril(wg.zeros([3])), 'tril:', 'at least 2 dimensions', '[3]');
  throws(() => wg.var(x, 1, { correction: 1, keepdims: true } as unknown as wg.VarOptions), "var: unknown option 'keepdims'");
  throws(() => wg.norm(x, 'nuc' as unknown as number), 'norm: p must be');
  throws(() => wg.logsumexp(x, undefined as unknown as number), 'logsumexp: dim is required');
  throws(() => wg.expand(x, 2, 5), 'expand:', 'size 5', 'existing size 3', 'dim 1', '[2, 3]');
  throws(() => wg.repeat(x, 2), 'repeat:', 'number of repeats (1)', '[2, 3]');
  throws(() => wg.split(x, [1, 1], 1), 'split:', 'sizes [1, 1] add up to 2', 'dim 1', '[2, 3]', 'has 3');
  throws(() => wg.chunk(x, 0), 'chunk: chunks must be a positive integer');
  throws(() => F.pad(wg.zeros([1, 2, 3]), [3, 0], 'reflect'), 'pad:', 'reflect padding (3, 0)', 'size 3 of dim 2', '[1, 2, 3]');
  throws(() => F.pad(x, [1]), 'pad: padding must be an even-length array');
  throws(() => F.pad(x, [1, 1], 'wrap' as wg.nn.functional.PadMode), "pad: mode must be 'constant', 'reflect', 'replicate' or 'circular'");
  throws(() => F.pad(x, [-2, -2]), 'pad:', 'negative', '[2, 3]');
  throws(() => wg.flip(x, [1, -1]), 'flip:', 'repeat a dimension');
});

test('indexing and sorting name the op, the bad index and the shapes', () => {
  const x = wg.zeros([2, 3]);
  throws(() => wg.gather(x, 1, [[0, 3]]), 'gather:', 'index 3 at position [0, 1]', 'dim 1 of size 3', 'input [2, 3]', 'index [1, 2]');
  throws(() => wg.gather(x, 1, [0, 1]), 'gather:', 'as many dims', 'index [2]', 'input [2, 3]');
  throws(() => wg.gather(x, 1, [[0], [1], [0]]), 'gather:', 'index [3, 1] is larger than the input [2, 3] at dim 0');
  throws(() => wg.gather(x, 1, [[0.5]]), 'gather: index must hold whole numbers, got 0.5');
  throws(() => wg.scatter(x, 1, [[0, 1]], wg.zeros([1, 1])), 'scatter:', 'src [1, 1]', 'index [1, 2]');
  throws(() => wg.scatterAdd(x, 0, [[-1, 0, 0]], wg.zeros([1, 3])), 'scatterAdd:', 'index -1', 'dim 0 of size 2');
  throws(() => wg.indexAdd(x, 0, [0, 1], wg.zeros([2, 2])), 'indexAdd:', 'source must have shape [2, 3]', 'got [2, 2]');
  throws(() => wg.indexSelect(x, 1, wg.tensor([[0]])), 'indexSelect:', '1-D');
  throws(() => wg.indexSelect(x, 1, [5]), 'indexSelect:', 'index[0] = 5', 'dim 1 of size 3');
  throws(() => wg.topk(x, 4), 'topk:', 'k must be an integer in [0, 3]', 'dim 1', '[2, 3]');
  throws(() => wg.sort(wg.tensor(1)), 'sort: input must have at least one dimension');
});

test('einsum, cdist and matmul name the equation, operands and shapes', () => {
  const a = wg.zeros([2, 3]), b = wg.zeros([4, 5]);
  throws(() => wg.einsum('ij,jk->ik', a), "einsum: 'ij,jk->ik' has 2 operand subscript(s) but 1 tensor(s)");
  throws(() => wg.einsum('ij,jk->ik', a, b), "einsum: subscript 'j' has size 4 in operand 1 (shape [4, 5]) but size 3 elsewhere");
  throws(() => wg.einsum('ii->i', wg.zeros([3, 3])), "einsum: subscript 'i' is repeated in operand 0", 'diagonal is not supported');
  throws(() => wg.einsum('ijk->i', a), 'einsum: operand 0 has 2 dims (shape [2, 3]) but subscripts', 'name 3');
  throws(() => wg.einsum('ij->ik', a), "einsum: output subscript 'k'", 'appears in no operand');
  throws(() => wg.einsum('i1->i', a), "einsum: invalid subscripts 'i1'");
  throws(() => wg.cdist(a, b), 'cdist: x1 [2, 3] and x2 [4, 5] must have the same number of features');
  throws(() => wg.cdist(wg.zeros([3]), a), 'cdist:', 'at least 2 dims', '[3]');
  throws(() => wg.matmul(wg.zeros([2, 3, 4]), wg.zeros([5, 4, 2])), 'matmul:', '[2, 3, 4] and [5, 4, 2]', 'cannot be broadcast');
});

test('the new losses name the op, the option and the shapes', () => {
  const x = wg.zeros([2, 3]);
  throws(() => F.huberLoss(x, x, { reduction: 'batchmean' }), 'huberLoss:', 'reduction');
  throws(() => F.huberLoss(x, x, { delta: 0 }), 'huberLoss:', 'delta');
  throws(() => F.smoothL1Loss(x, wg.zeros([3, 2])), 'smoothL1Loss:', '[2, 3]', '[3, 2]');
  throws(() => F.klDiv(x, wg.zeros([4])), 'klDiv:', 'target shape [4]', "input's shape [2, 3]");
  throws(() => F.klDiv(x, x, { logTarget: 1 as unknown as boolean }), 'klDiv:', 'logTarget');
  throws(() => F.crossEntropy(wg.zeros([2, 3, 4]), wg.zeros([2, 3])), 'crossEntropy:', 'input [2, 3, 4]', 'class indices of shape [2, 4]', '[2, 3]');
  throws(() => F.crossEntropy(wg.zeros([2, 3, 4]), wg.tensor([[0, 1, 2, 3], [0, 0, 0, 0]])), 'crossEntropy:', 'label 3', 'outside [0, 3)');
});

test('batched matmul: the same bits on one thread and on two; forward and gradients', async () => {
  wg.manualSeed(11);
  const a = wg.randn([6, 1, 33, 20], { requiresGrad: true }), b = wg.randn([4, 20, 17], { requiresGrad: true });
  const run = () => {
    a.grad = null; b.grad = null;
    const y = wg.matmul(a, b);
    y.mul(y).sum().backward();
    return [y.data(), a.grad!.data(), b.grad!.data()].map((v) => Array.from(v));
  };
  await wg.setNumThreads(1);
  const one = run();
  try {
    await wg.setNumThreads(2);
    setParallelMinFlops(0);
    const two = run();
    assert.equal(two, one);
  } finally {
    setParallelMinFlops(1 << 21);
    await wg.setNumThreads(1);
  }
});

test.run();
