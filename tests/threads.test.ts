// Threads: the big kernels split across worker threads must give bit-identical results for any
// thread count. Every split is forced (min FLOPs 0) so small shapes take the threaded path, and
// odd shapes put part boundaries in the middle of GEMM tiles, K blocks and im2col batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, randn, tidy, info, setNumThreads, getNumThreads } from '../bindings/index.js';
import { runParts, setParallelMinFlops, threadsInfo } from '../bindings/threads.js';
import { kernelsProgram, trainingProgram, same } from './helpers/programs.js';
import type { Kernels } from '../bindings/wasm.js';

test.before(async () => {
  await init();
  setParallelMinFlops(0);
});
test.after(async () => {
  setParallelMinFlops(1 << 21);
  await setNumThreads(2);
});

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

test('init() without a thread count starts its workers lazily, at the first big kernel, even inside a synchronous loop', () => {
  // a fresh process: this one has set its thread count already
  const script = `
    const wg = await import(${JSON.stringify(new URL('../bindings/index.js', import.meta.url).href)});
    await wg.init();
    const before = [wg.getNumThreads(), wg.info().threadsNote];
    const a = wg.randn([256, 256]);
    const t0 = Date.now();
    let calls = 0;
    while (wg.getNumThreads() < 2 && Date.now() - t0 < 60000) { wg.matmul(a, a); calls++; }
    console.log(JSON.stringify({ before, after: wg.getNumThreads(), calls }));`;
  // a file, as programs are run (under \`node -e\` a worker does not come up until the loop yields)
  const file = join(mkdtempSync(join(tmpdir(), 'wasmgrad-lazy-')), 'lazy.mjs');
  writeFileSync(file, script);
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  assert.is(r.before[0], 1, 'no worker runs right after init()');
  assert.match(r.before[1], /start at the first kernel large enough to split/);
  assert.is(r.after, 2, `the worker came up while the loop ran (${r.calls} matmuls)`);
});

test.run();
