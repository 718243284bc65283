/**
 * The tape's bookkeeping: scopes on one shared stack, blocks shared by views, the visit marks of
 * backward's graph walk, gradients in flight, and the one-kernel fast paths (exactly the bits of
 * the general paths).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';

const test = suite('tape');
test.before(async () => { await wg.init(); });

test('nested scopes: what the inner one returns lives until the outer one ends', () => {
  const x = wg.tensor([1, 2]);
  let inner: wg.Tensor | null = null;
  let innerDropped: wg.Tensor | null = null;
  const outer = wg.tidy(() => {
    inner = wg.noGrad(() => {
      innerDropped = x.mul(5);
      return x.add(1);
    });
    assert.throws(() => innerDropped!.data(), /noGrad\(\) callback/);
    assert.equal(inner.toArray(), [2, 3]);
    return inner.mul(2);
  });
  assert.equal(outer.toArray(), [4, 6]);
  assert.throws(() => inner!.data(), /tidy\(\) callback/);
});

test('a scope that throws reclaims nothing and leaves the enclosing scope working', () => {
  const x = wg.tensor([3]);
  let made: wg.Tensor | null = null;
  let lost: wg.Tensor | null = null;
  const kept = wg.tidy(() => {
    lost = x.mul(7);
    assert.throws(() => wg.tidy(() => {
      made = x.add(1);
      throw new Error('boom');
    }), /boom/);
    return x.mul(2);
  });
  assert.equal(made!.toArray(), [4]); // left to the step rules, as before scopes existed
  assert.equal(kept.toArray(), [6]);
  assert.throws(() => lost!.data(), /tidy\(\) callback/);
});

test('views share one block: it is freed when the last of them is released', () => {
  const a = wg.tensor([1, 2, 3, 4, 5, 6]);
  const v = a.reshape([2, 3]).keep();
  const d = a.detach().keep();
  const live = () => wg.memoryInfo().liveBytes;
  let before = live();
  a.dispose();
  assert.is(live(), before, 'views still hold the block');
  assert.equal(v.toArray(), [[1, 2, 3], [4, 5, 6]]);
  before = live();
  v.dispose();
  assert.is(live(), before);
  assert.equal(d.toArray(), [1, 2, 3, 4, 5, 6]);
  before = live();
  d.dispose();
  assert.is(live(), before - 64, 'the last view frees the 64-byte block');
});

test('gradients over fan-out, a tensor used twice and graphs that share leaves', () => {
  const w = wg.tensor([1, 2, 3], { requiresGrad: true });
  const h = w.mul(2);
  // h reaches the loss three ways: twice through mul(h, h), once through add.
  h.mul(h).add(h).sum().backward(); // d/dw (4w² + 2w) = 8w + 2
  assert.equal(w.grad!.toArray(), [10, 18, 26]);
  const v = wg.tensor([0.5, -1, 2], { requiresGrad: true });
  // A second graph over w: the walk's marks from the first one must not hide anything.
  w.mul(v).sum().backward();
  assert.equal(w.grad!.toArray(), [10.5, 17, 28]);
  assert.equal(v.grad!.toArray(), [1, 2, 3]);
});

test('an error in the middle of backward leaves no gradient in flight for the next one', () => {
  const w = wg.tensor([1, 2], { requiresGrad: true });
  const saved = w.mul(3);
  const loss = saved.mul(saved).sum();
  saved.dispose(); // mul's rule needs it
  assert.throws(() => loss.backward(), /dispose\(\) was called/);
  w.grad?.zero_();
  w.square().sum().backward();
  assert.equal(w.grad!.toArray(), [2, 4]);
});

test('sub_ (and add_ with alpha −1) is one float32 subtraction; alpha scales', () => {
  const vals = [0.1, -3.7, 1e-8, 12345.678, -0, 0, -0];
  const other = [0.3, 1.1, -2e-8, 0.001, 0, -0, -0];
  const o = wg.tensor(other);
  const bits = (v: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(v).buffer));
  const expected = bits(vals.map((v, i) => Math.fround(v) - Math.fround(other[i])));
  assert.equal(bits(wg.tensor(vals).sub_(o).data()), expected);
  assert.equal(bits(wg.tensor(vals).add_(o, -1).data()), expected);
  assert.equal(wg.tensor([1, 2]).sub_(wg.tensor([1, 1]), 2).toArray(), [-1, 0]);
  assert.throws(() => wg.tensor([1, 2]).sub_(wg.tensor([1, 2, 3])), /sub_: .*cannot be broadcast/);
});

test('the gradient of a full reduction has the bits of fill·g', () => {
  for (const shape of [[3, 1], [1, 1], [4], []]) {
    const n = shape.reduce((p, d) => p * d, 1);
    const x = wg.tensor(Array.from({ length: n }, (_, i) => i + 0.25), { shape, requiresGrad: true });
    x.mean().mul(0.3).backward();
    const expected = Math.fround(Math.fround(1 / n) * Math.fround(0.3));
    assert.equal(Array.from(x.grad!.data()), new Array(n).fill(expected), JSON.stringify(shape));
    const y = wg.tensor(Array.from({ length: n }, (_, i) => i), { shape, requiresGrad: true });
    y.sum(shape.length ? 0 : undefined).sum().backward();
    assert.equal(Array.from(y.grad!.data()), new Array(n).fill(1), `sum ${JSON.stringify(shape)}`);
  }
});

test('loops that never call backward keep the temporaries list short', () => {
  const x = wg.tensor([1, 2, 3]);
  for (let i = 0; i < 20000; i++) wg.tidy(() => { x.add(1).mul(2); });
  assert.ok(wg.memoryInfo().pendingTemporaries < 10000, `pending ${wg.memoryInfo().pendingTemporaries}`);
});

test.run();
