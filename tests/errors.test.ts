/** Bad input gets an error that names the op, the parameter and the shapes. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as wg from '../bindings/index.js';

const F = wg.nn.functional;
const test = suite('errors');
test.before(async () => { await wg.init(); });

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

test('shape mismatches name the op and both shapes', () => {
  throwsLike(() => wg.ones([2, 3]).add(wg.ones([4])), RangeError, /^add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  throwsLike(() => wg.ones([2, 3]).mul(wg.ones([3, 2])), RangeError, /^mul: shapes \[2, 3\] and \[3, 2\]/);
  throwsLike(() => wg.ones([2, 3]).matmul(wg.ones([4, 5])), RangeError, /^matmul: shapes \[2, 3\] and \[4, 5\] are not aligned/);
  throwsLike(() => F.conv2d(wg.ones([1, 3, 8, 8]), wg.ones([4, 2, 3, 3])), RangeError, /^conv2d: input \[1, 3, 8, 8\] has 3 channels but weight \[4, 2, 3, 3\] expects 2/);
  throwsLike(() => F.mseLoss(wg.ones([3]), wg.ones([4])), RangeError, /^mseLoss: input shape \[3\] and target shape \[4\]/);
  throwsLike(() => wg.cat([wg.ones([2, 3]), wg.ones([3, 3])], 1), RangeError, /^cat: shapes \[2, 3\] and \[3, 3\] differ outside dim 1/);
  throwsLike(() => wg.ones([2, 3]).reshape([4, 2]), RangeError, /^reshape: cannot reshape \[2, 3\] \(6 elements\) into \[4, 2\]/);
  throwsLike(() => F.linear(wg.ones([2, 5]), wg.ones([3, 4])), RangeError, /^linear: input's last dim 5/);
  throwsLike(() => F.crossEntropy(wg.ones([2, 3]), [0, 1, 2]), RangeError, /^crossEntropy: 3 labels for a batch of 2/);
});

test('bad arguments are TypeErrors or RangeErrors naming the parameter', () => {
  throwsLike(() => wg.zeros([2, -1]), RangeError, /^zeros: size must hold non-negative integers, got -1 at position 1/);
  throwsLike(() => wg.zeros(2, [3] as never), TypeError, /^zeros: size must be integers \(zeros\(2, 3\)\) or one array/);
  throwsLike(() => wg.ones([2], { requiresgrad: true } as never), TypeError, /^ones: unknown option 'requiresgrad'; valid options are requiresGrad/);
  throwsLike(() => wg.tensor('abc' as never), TypeError, /^tensor: data must be/);
  throwsLike(() => wg.tensor([[1, 2], [3]]), RangeError, /ragged nested array: data\[1\] should have length 2/);
  throwsLike(() => wg.ones([2, 3]).softmax(2), RangeError, /^softmax: dim=2 is out of range for a tensor with 2 dimension/);
  throwsLike(() => wg.ones([2, 3]).sum(-3), RangeError, /^sum: dim=-3 is out of range/);
  throwsLike(() => wg.ones([3]).clamp(2, 1), RangeError, /^clamp: min \(2\) is greater than max \(1\)/);
  throwsLike(() => F.crossEntropy(wg.ones([2, 3]), [0, 3]), RangeError, /^crossEntropy: label 3 of sample 1 is outside \[0, 3\)/);
  throwsLike(() => F.dropout(wg.ones([2]), 1.5), RangeError, /^dropout: p must be in \[0, 1\]/);
  throwsLike(() => F.conv2d(wg.ones([1, 1, 4, 4]), wg.ones([1, 1, 3, 3]), null, { stride: 0 }), RangeError, /^conv2d: stride must be an integer >= 1/);
  throwsLike(() => F.maxPool2d(wg.ones([1, 1, 4, 4]), {} as never), TypeError, /^maxPool2d: kernelSize is required: maxPool2d\(x, 2\) or maxPool2d\(x, { kernelSize: 2 }\)/);
  throwsLike(() => wg.ones([2, 2]).item(), RangeError, /^item: the tensor has 4 elements/);
  throwsLike(() => wg.ones([2]).add('x' as never), TypeError, /^add: other must be a Tensor or a number/);
  throwsLike(() => wg.manualSeed(-1), RangeError, /^manualSeed: seed must be/);
  throwsLike(() => wg.ones([3]).indexSelect(0, [0, 5]), RangeError, /^indexSelect: index\[1\] = 5 is out of range for dim 0 of size 3/);
  throwsLike(() => (wg.ones([3]) as unknown as { indexSelect(i: number[]): unknown }).indexSelect([0, 2]), TypeError, /^indexSelect: dim must be an integer, got \[0, 2\]; the signature is indexSelect\(input, dim, index\)/);
});

test('backward misuse is explained', () => {
  throwsLike(() => wg.ones([2]).sum().backward(), Error, /does not require gradients/);
  const w = wg.ones([2], { requiresGrad: true });
  throwsLike(() => w.mul(2).backward(), RangeError, /gradient can be implicit only for a one-element tensor; this one has shape \[2\]/);
});

test('using the engine before init() says what to do', () => {
  const code = "import('./dist/bindings/index.js').then((wg) => { try { wg.ones([2]); } catch (e) { console.log(e.message); } })";
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.match(res.stdout, /not initialised: call `await init\(\)` first/);
});

test.run();
