/** Memory stays flat over a long PyTorch-style loop; reclaimed tensors throw instead of reading garbage. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';

const F = wg.nn.functional;
const test = suite('memory');
test.before(async () => { await wg.init(); });

test('10,000 training steps: wasm memory and live bytes stay flat, with nothing freed by hand', () => {
  wg.manualSeed(1);
  const X = wg.randn([512, 20]);
  const Y = wg.randint(0, 3, [512]);
  const w1 = wg.randn([32, 20], { std: 0.2, requiresGrad: true });
  const b1 = wg.zeros([32], { requiresGrad: true });
  const w2 = wg.randn([3, 32], { std: 0.2, requiresGrad: true });
  const b2 = wg.zeros([3], { requiresGrad: true });
  const params = [w1, b1, w2, b2];
  let perm = wg.randperm(512);
  let first = 0;
  let lastLoss = 0;
  let at100: wg.MemoryInfo | null = null;
  for (let step = 0; step < 10000; step++) {
    const k = step % 16;
    if (k === 0) perm = wg.randperm(512);
    const idx = perm.subarray(k * 32, k * 32 + 32);
    // forward, loss, backward, step: the loop a PyTorch user writes
    const xb = X.indexSelect(0, idx);
    const yb = Y.indexSelect(0, idx);
    const logits = F.linear(F.linear(xb, w1, b1).relu(), w2, b2);
    const loss = F.crossEntropy(logits, yb);
    for (const p of params) p.grad?.zero_();
    loss.backward();
    wg.noGrad(() => { for (const p of params) p.sub_(p.grad!, 0.05); });
    lastLoss = loss.item();
    if (step === 0) first = lastLoss;
    if (step === 100) at100 = wg.memoryInfo();
  }
  const end = wg.memoryInfo();
  assert.ok(at100);
  assert.is(end.wasmBytes, at100!.wasmBytes, 'wasm memory did not grow');
  assert.is(end.heapBytes, at100!.heapBytes, 'heap high-water mark did not move');
  assert.is(end.liveBytes, at100!.liveBytes, 'live bytes are the same');
  assert.ok(end.pendingTemporaries < 200, `pending temporaries ${end.pendingTemporaries}`);
  assert.ok(lastLoss < first, `the loop trains (loss ${first} → ${lastLoss})`);
});

test('evaluation loops without backward stay flat inside noGrad', () => {
  const w = wg.randn([64, 64]);
  const x = wg.randn([16, 64]);
  // warm up: the first ticks also reclaim what earlier tests left pending
  for (let i = 0; i < 20; i++) wg.noGrad(() => x.matmul(w).relu().sum().item());
  const before = wg.memoryInfo();
  let total = 0;
  for (let i = 0; i < 2000; i++) total += wg.noGrad(() => x.matmul(w).relu().sum().item());
  const after = wg.memoryInfo();
  assert.is(after.liveBytes, before.liveBytes);
  assert.ok(after.heapBytes <= before.heapBytes, 'the heap did not grow');
  assert.is(after.wasmBytes, before.wasmBytes);
  assert.ok(Number.isFinite(total));
});

test('a temporary unused for two backward() steps is reclaimed, and using it throws a clear error', () => {
  const w = wg.tensor([1, 2, 3], { requiresGrad: true });
  const stale = w.mul(2);
  const used = w.mul(3);
  for (let i = 0; i < 3; i++) {
    used.sum().item(); // used every step: stays alive
    w.square().sum().backward();
  }
  assert.throws(() => stale.data(), /reclaimed.*not used during the last two backward\(\) steps.*keep\(\)/);
  assert.equal(used.toArray(), [3, 6, 9]);
  const kept = w.mul(4).keep();
  for (let i = 0; i < 3; i++) w.square().sum().backward();
  assert.equal(kept.toArray(), [4, 8, 12]);
});

test('tensors made in noGrad and not returned are reclaimed at its end; returned ones live', () => {
  const x = wg.tensor([1, 2]);
  let leaked: wg.Tensor | null = null;
  const kept = wg.noGrad(() => {
    leaked = x.add(1);
    return { out: x.mul(10) };
  });
  assert.equal(kept.out.toArray(), [10, 20]);
  assert.throws(() => leaked!.toArray(), /noGrad\(\) callback that did not return it/);
  const t = wg.tidy(() => [x.add(5)]);
  assert.equal(t[0].toArray(), [6, 7]);
});

test('dispose frees now; using a disposed tensor throws', () => {
  const a = wg.ones([4]);
  a.dispose();
  assert.throws(() => a.sum(), /dispose\(\) was called/);
});

test('after the first backward(), factory tensors are temporaries unless kept; leaves that require gradients persist', () => {
  const w = wg.tensor([1], { requiresGrad: true });
  w.square().sum().backward(); // training has begun (this file's earlier tests did too)
  const noise = wg.randn([3]);
  const kept = wg.zeros([3]).keep();
  const leaf = wg.tensor([2, 3], { requiresGrad: true });
  leaf.mul(leaf).sum().backward();
  for (let i = 0; i < 3; i++) w.square().sum().backward();
  assert.throws(() => noise.data(), /made by randn.*not used during the last two backward\(\) steps.*keep\(\)/);
  assert.equal(kept.toArray(), [0, 0, 0]);
  assert.equal(leaf.grad!.toArray(), [4, 6]);
});

test('backward twice through the same graph is an error, not a silent wrong answer', () => {
  const w = wg.tensor([1, 2], { requiresGrad: true });
  const loss = w.square().sum();
  loss.backward();
  assert.throws(() => loss.backward(), /already used by an earlier backward/);
});

test.run();
