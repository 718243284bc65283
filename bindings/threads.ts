/**
 * Threads: the big kernels (GEMM, conv2d and its gradients, pooling, unary elementwise passes)
 * split across worker threads that run the same wasm module on the same shared memory.
 *
 * Determinism: work is split so that every output element is computed by exactly one thread, with
 * the same reduction order as on one thread (GEMM by rows or columns of C; conv2d by images, or
 * dW by weight columns; pooling by planes; elementwise by runs), so results are bit-identical for
 * any thread count.
 *
 * Protocol: one small SharedArrayBuffer holds, per worker, a request and a done counter, the
 * kernel's index and its arguments. The main thread writes a task, bumps the request counter and
 * wakes the worker (Atomics.notify), computes its own part, then waits for the done counters.
 * A worker sleeps in Atomics.wait between tasks. Kernels allocate nothing, so memory never grows
 * while workers run.
 */
import { show } from './args.js';
import { K, isInitialized, loadedModule, sharedMemory, sharedMemoryUnavailable, whenLoaded } from './wasm.js';
import { KERNEL_ARITY, type KernelExports } from './abi.generated.js';
import { alloc, withScratch } from './memory.js';
import { SLOT, REQ, DONE, ERR, FN, NARGS, MAX_ARGS, READY } from './thread-protocol.js';
import { currentTileId, noteGemmWork } from './gemm-tile.js';

/** Kernels a worker may run, by index (the same list is sent to each worker). */
export const THREAD_KERNELS = ['gemm', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardWeight',
  'maxPool2dForward', 'maxPool2dBackward', 'avgPool2dForward', 'avgPool2dBackward', 'unary', 'unaryBackward',
  'gemmSetTile', 'gemmBatched', 'philoxBernoulliMask',
  'activation', 'activationBackward', 'layerNormForward', 'layerNormBackward', 'layerNormParamGrads',
  'attentionForward', 'attentionBackward', 'interpolateForward', 'interpolateBackward',
  'adaptiveAvgPool2dForward', 'adaptiveAvgPool2dBackward', 'batchNormStats', 'batchNormApply', 'batchNormBackward',
  'conv2dBackwardBias', 'reluBackwardBias', 'binary',
  'sgdStep', 'adamStep', 'rmspropStep', 'adagradStep', 'adadeltaStep',
  'crossEntropyForward', 'crossEntropyBackward', 'reduceSum', 'reduceSumColumns', 'softmax', 'softmaxBackward',
  'maxPool2x2Backward', 'conv2dBackwardWeightBias',
] as const satisfies readonly (keyof KernelExports)[];
type KernelName = typeof THREAD_KERNELS[number];
/** A kernel's arguments as a tuple (a task built with the wrong count does not compile). */
type ArgsOf<N extends KernelName> = Parameters<KernelExports[N]>;

/** Calls kernel `name` with `args` on this thread, checking the count for arrays assembled at run time. */
function callKernel(name: KernelName, args: readonly number[]): void {
  if (args.length !== KERNEL_ARITY[name]) throw new Error(`wasmgrad: ${name} takes ${KERNEL_ARITY[name]} arguments, got ${args.length}`);
  (K()[name] as (...a: readonly number[]) => void)(...args);
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
// Atomics.wait is not allowed on a browser's main thread: it spins there instead.
const canBlock = isNode || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';

interface WorkerLike {
  postMessage(msg: unknown): void;
  terminate(): unknown;
  /** Node only: -1 once the thread has stopped (readable while we block, unlike 'exit'). */
  threadId?: number;
}

interface Pool {
  workers: WorkerLike[];
  ready: number; // workers [0, ready) have instantiated the module and can take tasks
  ctl: Int32Array;
  args: Float64Array;
  seq: number;
  /** The GEMM tile the workers were last given (each instance has its own; see gemm-tile.ts). */
  workerTile: number;
}

let pool: Pool | null = null;
let requested = 1;
let whySingle = 'threads have not been started (call init())';
let parallelCalls = 0;
/** Kernels below this many FLOPs run on the calling thread: waking a worker costs ~10-50 µs. */
let minFlops = 1 << 21;

let nodeCores: number | undefined; // os.availableParallelism(), read when the module loads

function availableCores(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nodeCores ?? nav?.hardwareConcurrency ?? 1);
}

// Each worker slot's GEMM packing scratch, allocated once and reused by later workers in the slot.
const slotScratch: number[] = [];

// Node's Worker class, imported once at init so that workers can be started synchronously later.
let NodeWorker: (new (url: URL) => WorkerLike & { unref(): void; once(ev: string, fn: (x: never) => void): void }) | null = null;

/**
 * Starts worker `index` now (synchronously) and returns it with a promise of its start-up. The
 * worker also raises its READY flag in the control block, which the caller can see from inside a
 * synchronous loop, when no 'message' event can be delivered.
 */
function spawn(index: number, ctl: SharedArrayBuffer): { worker: WorkerLike; started: Promise<void> } {
  const scratch = slotScratch[index] ??= alloc(K().gemmScratchBytes());
  const start = { module: loadedModule, memory: sharedMemory, control: ctl, index, scratch, kernels: THREAD_KERNELS,
    tile: pool?.workerTile ?? currentTileId };
  let worker: WorkerLike;
  const started = new Promise<void>((resolve, reject) => {
    const fail = (what: string) => reject(new Error(`wasmgrad: worker thread ${index + 1} failed to start: ${what}`));
    if (isNode) {
      const w = new NodeWorker!(new URL('./thread-worker.js', import.meta.url));
      w.unref();
      w.once('message', (m: unknown) => (m === 'ready' ? resolve() : fail(String(m))));
      w.once('error', (e: Error) => fail(e.message));
      w.postMessage(start);
      worker = w;
    } else {
      // One expression, so that bundlers (Vite, webpack) see the worker script and bundle it.
      const w = new Worker(new URL('./thread-worker.js', import.meta.url), { type: 'module' });
      w.onmessage = (e) => (e.data === 'ready' ? resolve() : fail(String(e.data)));
      w.onerror = (e) => fail(e.message || 'script error');
      w.postMessage(start);
      worker = w;
    }
  });
  return { worker: worker!, started };
}

/** Counts the workers, in slot order, that have raised their READY flag. */
function refreshReady(p: Pool): number {
  while (p.ready < p.workers.length && Atomics.load(p.ctl, p.ready * SLOT + READY) === 1) p.ready++;
  return p.ready;
}

/**
 * Stops workers [from, ...). Each is asked to leave its loop and we wait (up to a second) until
 * it has, so a worker started later in the same slot can never meet a stale one there.
 */
function stopWorkers(p: Pool, from: number): void {
  for (let i = from; i < p.workers.length; i++) {
    const base = i * SLOT;
    Atomics.store(p.ctl, base + REQ, -1);
    Atomics.notify(p.ctl, base + REQ);
    const deadline = performance.now() + 1000;
    while (Atomics.load(p.ctl, base + DONE) !== -1 && performance.now() < deadline) {
      if (canBlock) Atomics.wait(p.ctl, base + DONE, Atomics.load(p.ctl, base + DONE), 10);
    }
    p.workers[i].terminate();
    Atomics.store(p.ctl, base + READY, 0);
  }
  p.workers.length = Math.min(p.workers.length, from);
  p.ready = Math.min(p.ready, from);
}

/**
 * Sets how many threads the big kernels use (the caller's thread plus n-1 workers). Resolves
 * when the workers are ready; until then kernels use the workers already running. Where threads
 * cannot run (no shared memory: a browser page that is not cross-origin isolated), it stays at
 * one thread and info().threadsNote says why. Results are the same for any n.
 */
export function setNumThreads(n: number): Promise<void> {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`setNumThreads: n must be an integer from 1 to 256, got ${show(n)}`);
  if (n < 1 || n > 256) throw new RangeError(`setNumThreads: n must be an integer from 1 to 256, got ${n}`);
  if (!isInitialized()) throw new Error('setNumThreads: wasmgrad is not initialised: call `await init()` first');
  return applyNumThreads(n);
}

/**
 * Threads asked for at init() without an explicit count: started at the first kernel worth
 * splitting (threadsFor), not at init, so that import + init stay fast and small for programs
 * that never need them.
 */
let lazyThreads = 0;

async function applyNumThreads(n: number, wait = true): Promise<void> {
  lazyThreads = 0;
  requested = n;
  if (n === 1) {
    if (pool) stopWorkers(pool, 0);
    whySingle = 'setNumThreads(1)';
    return;
  }
  if (!sharedMemory || !loadedModule) {
    const why = sharedMemoryUnavailable();
    whySingle = why || 'the module was loaded from the one-thread build (wasmgrad.wasm)';
    requested = 1;
    return;
  }
  if (!canBlock && typeof Worker === 'undefined') {
    whySingle = 'this runtime has no Worker';
    requested = 1;
    return;
  }
  if (isNode && !NodeWorker) NodeWorker = (await import('node:worker_threads')).Worker as unknown as typeof NodeWorker;
  if (!pool) {
    const maxWorkers = 255;
    const sab = new SharedArrayBuffer(maxWorkers * (SLOT * 4 + MAX_ARGS * 8));
    pool = {
      workers: [], ready: 0, seq: 0, workerTile: currentTileId,
      ctl: new Int32Array(sab, 0, maxWorkers * SLOT),
      args: new Float64Array(sab, maxWorkers * SLOT * 4, maxWorkers * MAX_ARGS),
    };
  }
  const p = pool;
  if (p.workers.length >= n - 1) {
    stopWorkers(p, n - 1);
    return;
  }
  const starting: Promise<void>[] = [];
  for (let i = p.workers.length; i < n - 1; i++) {
    const s = spawn(i, p.ctl.buffer as SharedArrayBuffer);
    p.workers.push(s.worker);
    starting.push(s.started);
  }
  whySingle = `${n - 1} worker thread(s) are starting`;
  const all = Promise.all(starting).then(() => {
    refreshReady(p);
    whySingle = '';
  }, (err: Error) => {
    requested = 1 + refreshReady(p);
    whySingle = err.message;
    throw err;
  });
  if (wait) await all;
  else all.catch(() => { /* reported through info().threadsNote */ });
}

/** Threads the big kernels use now (1 + ready workers, at most the number set). */
export function getNumThreads(): number {
  return pool ? Math.min(requested, 1 + refreshReady(pool)) : 1;
}

export interface ThreadsInfo {
  threads: number;
  requested: number;
  /** Why only one thread runs, when it does. */
  note: string;
  /** Kernel calls that were split across threads so far. */
  parallelCalls: number;
}

export function threadsInfo(): ThreadsInfo {
  const threads = getNumThreads();
  const note = threads > 1 ? '' : lazyThreads > 1
    ? `${lazyThreads} threads start at the first kernel large enough to split` : whySingle;
  return { threads, requested, note, parallelCalls };
}

/** Smallest kernel, in FLOPs, worth splitting; tests set 0 to split everything. */
export function setParallelMinFlops(flops: number): void {
  minFlops = flops;
}

/**
 * Runs `body` with every kernel on the calling thread while the pool stays up (the split threshold
 * set past any kernel, then restored): the one-thread side of a 1-vs-n timing, which would
 * otherwise pay for stopping and restarting the workers.
 */
export function onCallingThread<T>(body: () => T): T {
  const saved = minFlops;
  minFlops = Infinity;
  try {
    return body();
  } finally {
    minFlops = saved;
  }
}

/** How many threads a kernel of `flops` FLOPs should use. */
export function threadsFor(flops: number): number {
  if (flops < minFlops) return 1;
  if (lazyThreads > 1) void applyNumThreads(lazyThreads, false);
  return getNumThreads();
}

/** Runs kernel `name` with tasks[0] on this thread and tasks[i] on worker i-1, and waits for all. */
export function runParts<N extends KernelName>(name: N, tasks: readonly ArgsOf<N>[]): void {
  const p = pool;
  if (!p || tasks.length === 1) {
    callKernel(name, tasks[0]);
    return;
  }
  if (tasks.length - 1 > p.ready) throw new Error(`wasmgrad: ${tasks.length} parts but only ${p.ready + 1} threads`);
  const seq = ++p.seq;
  const fn = THREAD_KERNELS.indexOf(name);
  for (let w = 0; w < tasks.length - 1; w++) {
    const t = tasks[w + 1], base = w * SLOT;
    if (t.length !== KERNEL_ARITY[name]) throw new Error(`wasmgrad: ${name} takes ${KERNEL_ARITY[name]} arguments, got ${t.length}`);
    if (t.length > MAX_ARGS) throw new Error(`wasmgrad: ${name} has too many arguments for a thread task`);
    p.args.set(t, w * MAX_ARGS);
    p.ctl[base + FN] = fn;
    p.ctl[base + NARGS] = t.length;
    p.ctl[base + ERR] = 0;
    Atomics.store(p.ctl, base + REQ, seq);
    Atomics.notify(p.ctl, base + REQ);
  }
  parallelCalls++;
  let failure: unknown = null;
  try {
    callKernel(name, tasks[0]);
  } catch (err) {
    failure = err;
  }
  for (let w = 0; w < tasks.length - 1; w++) {
    const at = w * SLOT + DONE;
    let done = Atomics.load(p.ctl, at);
    for (let spin = 0; done !== seq && (spin < 2000 || !canBlock); spin++) done = Atomics.load(p.ctl, at);
    while (done !== seq) {
      // wake up now and then to notice a worker that died (Node), instead of waiting forever
      if (Atomics.wait(p.ctl, at, done, 1000) === 'timed-out' && p.workers[w].threadId === -1) {
        p.ready = Math.min(p.ready, w);
        whySingle = `worker thread ${w + 1} stopped unexpectedly`;
        throw new Error(`wasmgrad: worker thread ${w + 1} stopped while running ${name}; threads reduced to ${1 + p.ready}`);
      }
      done = Atomics.load(p.ctl, at);
    }
    if (p.ctl[w * SLOT + ERR] !== 0 && !failure) failure = new Error(`wasmgrad: ${name} failed on worker thread ${w + 1}`);
  }
  if (failure) throw failure;
}

/** [start, end) of part i of n over [0, total), in multiples of `align` (but the last). */
function partRange(total: number, i: number, n: number, align: number): [number, number] {
  const per = Math.ceil(Math.ceil(total / n) / align) * align;
  return [Math.min(total, i * per), Math.min(total, (i + 1) * per)];
}

/**
 * Gives every worker the GEMM tile the main thread uses (gemm-tile.ts may change it at any time;
 * results do not depend on it, speed does).
 */
function syncWorkerTile(): void {
  const p = pool;
  if (!p || p.workerTile === currentTileId || p.ready === 0) return;
  const tasks: ArgsOf<'gemmSetTile'>[] = [];
  for (let i = 0; i <= p.ready; i++) tasks.push([currentTileId]);
  runParts('gemmSetTile', tasks);
  p.workerTile = currentTileId;
}

/**
 * Runs a kernel that calls the GEMM inside (attention) as `tasks`, one per thread: the tile
 * probe sees its work and the workers use the main thread's GEMM tile.
 */
export function runGemmParts<N extends KernelName>(name: N, flops: number, tasks: readonly ArgsOf<N>[]): void {
  noteGemmWork(flops);
  if (tasks.length > 1) syncWorkerTile();
  runParts(name, tasks);
}

/**
 * C = alpha·op(A)·op(B) + beta·C (the gemm kernel's contract), split over threads by rows of C
 * when it is taller than wide, else by columns. Each C element's reduction over k is the same
 * for any split (the kernel blocks K by K alone), so so is the result.
 */
export function gemm(transA: number, transB: number, M: number, N: number, Kd: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void {
  noteGemmWork(2 * M * N * Kd);
  let parts = threadsFor(2 * M * N * Kd);
  // parts are cut on the register tile's boundaries (assembly/kernels/gemm_tiles.ts)
  const k = K(), MR = k.gemmTileRows(currentTileId), NR = k.gemmTileCols(currentTileId);
  if (parts > 1) {
    const byRows = M >= N;
    parts = Math.min(parts, Math.ceil((byRows ? M / MR : N / NR) / 4)); // at least ~4 tiles each
  }
  if (parts <= 1) {
    k.gemm(transA, transB, M, N, Kd, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  syncWorkerTile();
  const tasks: ArgsOf<'gemm'>[] = [];
  for (let i = 0; i < parts; i++) {
    if (M >= N) {
      const [m0, m1] = partRange(M, i, parts, MR);
      if (m1 <= m0) break;
      const ap = a + 4 * (transA ? m0 : m0 * lda);
      tasks.push([transA, transB, m1 - m0, N, Kd, alpha, ap, lda, b, ldb, beta, c + 4 * m0 * ldc, ldc]);
    } else {
      const [n0, n1] = partRange(N, i, parts, NR);
      if (n1 <= n0) break;
      const bp = b + 4 * (transB ? n0 * ldb : n0);
      tasks.push([transA, transB, M, n1 - n0, Kd, alpha, a, lda, bp, ldb, beta, c + 4 * n0, ldc]);
    }
  }
  runParts('gemm', tasks);
}

/**
 * The gemmBatched kernel over its items [0, items) (assembly/kernels/gemm_batched.ts), split over
 * threads by items: each item is computed whole by one thread, in the GEMM's fixed order, so the
 * result does not depend on the thread count.
 */
export function gemmBatched(transA: number, transB: number, M: number, N: number, Kd: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  n1: number, sA0: number, sA1: number, sB0: number, sB1: number, sC: number, items: number): void {
  const flops = 2 * M * N * Kd * items;
  noteGemmWork(flops);
  if (Math.min(threadsFor(flops), items) > 1) syncWorkerTile();
  splitItems('gemmBatched', items, flops, 1, (lo, hi) => [transA, transB, M, N, Kd, alpha, a, lda, b, ldb, beta, c, ldc,
    n1, sA0, sA1, sB0, sB1, sC, lo, hi]);
}

/**
 * A conv2d kernel (forward, dX or dW), which splits itself by its trailing (part, parts)
 * arguments: head are its arguments before the workspace, geometry those after it. Each part
 * gets a workspace of its own, borrowed from the heap for the call.
 */
export function convParts(name: 'conv2dForward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'conv2dBackwardWeightBias',
  flops: number, wsBytes: number, head: number[], geometry: number[]): void {
  noteGemmWork(flops);
  const parts = threadsFor(flops);
  if (parts > 1) syncWorkerTile();
  const each = Math.ceil(wsBytes / 64) * 64;
  withScratch(each * parts, (ws) => {
    const tasks: number[][] = [];
    for (let i = 0; i < parts; i++) tasks.push([...head, ws + i * each, ...geometry, i, parts]);
    runParts(name, tasks as ArgsOf<typeof name>[]); // head/geometry are arrays: runParts checks the count
  });
}

/**
 * A kernel over `total` independent items (planes, elements), split into ranges aligned to
 * `align` items; argsFor(lo, hi) gives its arguments for items [lo, hi). `work` is the whole
 * call's size in FLOP-equivalents for the size test (memory-bound kernels count ~16 per element).
 */
export function splitItems<N extends KernelName>(name: N, total: number, work: number, align: number,
  argsFor: (lo: number, hi: number) => ArgsOf<N>): void {
  const parts = Math.min(threadsFor(work), Math.ceil(total / align));
  if (parts <= 1) {
    callKernel(name, argsFor(0, total));
    return;
  }
  const tasks: ArgsOf<N>[] = [];
  for (let i = 0; i < parts; i++) {
    const [lo, hi] = partRange(total, i, parts, align);
    if (hi > lo) tasks.push(argsFor(lo, hi));
  }
  runParts(name, tasks);
}

whenLoaded(async (options) => {
  if (isNode) {
    const os = await import('node:os');
    nodeCores = os.availableParallelism?.() ?? os.cpus().length;
  }
  const n = options.threads ?? availableCores();
  if (n > 1 && sharedMemory && options.threads === undefined) {
    // the default count starts lazily (see lazyThreads); Worker is imported now so that the
    // start can happen synchronously inside a kernel call
    if (isNode) NodeWorker = (await import('node:worker_threads')).Worker as unknown as typeof NodeWorker;
    requested = n;
    lazyThreads = n;
  } else if (n > 1 && sharedMemory) {
    try {
      await setNumThreads(n);
    } catch (err) {
      // init() still succeeds on one thread; info().threadsNote says what went wrong
      whySingle = (err as Error).message;
    }
  } else {
    whySingle = n === 1 ? 'init({ threads: 1 })' : (sharedMemoryUnavailable() || 'the one-thread build (wasmgrad.wasm) was loaded');
    requested = 1;
  }
});
