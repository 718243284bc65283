// Threads: the big kernels split across worker threads must give bit-identical results for any
// thread count. Every split is forced (min FLOPs 0) so small shapes take the threaded path, and
// odd shapes put part boundaries in the middle of GEMM tiles, K blocks and im2col batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, manualSeed, randn, randint, tidy, info, setNumThreads, getNumThreads, nn, optim, matmul, type Tensor } from '../bindings/index.js';
import { runParts, setParallelMinFlops, threadsInfo } from '../bindings/threads.js';
import type { Kernels } from '../bindings/wasm.js';

const F = nn.functional;

test.before(async () => {
  await init();
  setParallelMinFlops(0);
});
test.after(async () => {
  setParallelMinFlops(1 << 21);
  await setNumThreads(2);
});

function bytesOf(ts: Tensor[]): Uint8Array[] {
  return ts.map((t) => new Uint8Array(t.data().buffer.slice(0)));
}

/** GEMM in all four transpose cases (through matmul and its backward), conv2d and pooling fwd+bwd. */
function kernelsProgram(): Uint8Array[] {
  manualSeed(7);
  const out: Tensor[] = [];
  for (const [M, Kd, N] of [[37, 300, 53], [7, 513, 200], [130, 96, 9], [1, 40, 1]]) {
    const a = randn([M, Kd], { requiresGrad: true }), b = randn([Kd, N], { requiresGrad: true });
    const y = matmul(a, b);
    y.mul(y).sum().backward(); // dA = dY·Bᵀ, dB = Aᵀ·dY
    const at = randn([Kd, M]), bt = randn([N, Kd]);
    out.push(y.detach().keep(), a.grad!, b.grad!, matmul(at.transpose(0, 1), bt.transpose(0, 1)).keep());
  }
  for (const [N, C, H, OC, k, pad] of [[5, 1, 28, 10, 3, 0], [3, 7, 13, 9, 3, 1], [11, 16, 6, 6, 2, 0]]) {
    const x = randn([N, C, H, H], { requiresGrad: true });
    const w = randn([OC, C, k, k], { requiresGrad: true }), b = randn([OC], { requiresGrad: true });
    const y = F.conv2d(x, w, b, { padding: pad });
    y.mul(y).sum().backward();
    out.push(y.detach().keep(), x.grad!, w.grad!, b.grad!);
  }
  {
    // elementwise passes split in runs of 16: 1001 elements leave a SIMD tail in the last part
    const x = randn([7, 11, 13], { requiresGrad: true });
    const y = x.relu().add(x.tanh()).add(x.sigmoid().mul(x.exp()));
    y.mul(y).sum().backward();
    out.push(y.detach().keep(), x.grad!);
  }
  for (const pool of [F.maxPool2d, F.avgPool2d]) {
    const x = randn([3, 5, 9, 8], { requiresGrad: true });
    const y = pool(x, { kernelSize: 3, stride: 2, padding: 1 });
    y.mul(y).sum().backward();
    out.push(y.detach().keep(), x.grad!);
  }
  return bytesOf(out);
}

/** A few Adam steps of a small CNN (conv, pool, dropout, linear): the whole training path. */
function trainingProgram(): Uint8Array[] {
  manualSeed(11);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 12, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(12 * 5 * 5, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([24, 1, 28, 28]);
  const labels = randint(0, 10, [24]);
  for (let step = 0; step < 3; step++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
  }
  return bytesOf(model.parameters());
}

function same(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

test('results are bit-identical for 1, 2, 3 and 4 threads, also after the count goes down and up again', async () => {
  assert.ok(info().build.includes('mt'), `Node loads the threads build (${info().build})`);
  await setNumThreads(1);
  const refKernels = tidy(kernelsProgram), refTraining = tidy(trainingProgram);
  assert.ok(refKernels.every((b) => b.length > 0));
  for (const n of [2, 3, 4, 1, 3, 2]) {
    await setNumThreads(n);
    assert.is(getNumThreads(), n);
    if (n === 1) continue;
    const before = threadsInfo().parallelCalls;
    assert.ok(same(tidy(kernelsProgram), refKernels), `kernels with ${n} threads match 1 thread bit for bit`);
    assert.ok(same(tidy(trainingProgram), refTraining), `CNN training with ${n} threads matches 1 thread bit for bit`);
    assert.ok(threadsInfo().parallelCalls - before > 20, `the kernels really were split over ${n} threads`);
  }
});

test('a kernel that traps on a worker thread is reported, and the pool keeps working', async () => {
  await setNumThreads(2);
  const n = 64, a = randn([n, n]), c = randn([n, n]);
  const task = (ptr: number): Parameters<Kernels['gemm']> => [0, 0, n, n, n, 1, a.ptr, n, ptr, n, 0, c.ptr, n];
  // the second part reads 4 GiB past the start of memory: an out-of-bounds trap in the worker
  assert.throws(() => runParts('gemm', [task(a.ptr), task(0xfffff000)]), /gemm failed on worker thread 1/);
  const before = a.matmul(a).data();
  runParts('gemm', [task(a.ptr), task(a.ptr)]);
  assert.equal(Array.from(c.data()), Array.from(before), 'the same worker runs the next task');
});

test('setNumThreads: bad counts are refused with a clear error; info() reports the count', async () => {
  for (const bad of [0, -1, 1.5, NaN, 1000]) {
    assert.throws(() => setNumThreads(bad as number) as unknown, /setNumThreads: n must be an integer from 1 to 256/);
  }
  await setNumThreads(3);
  assert.is(info().threads, 3);
  assert.is(info().threadsNote, '');
  await setNumThreads(1);
  assert.is(info().threads, 1);
  assert.match(info().threadsNote, /setNumThreads\(1\)/);
});

test.run();
