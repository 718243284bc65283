/**
 * Loads the kernels' wasm module and hands out its exports and fresh memory views.
 *
 * Loading needs no path configuration: in Node the module reads the `.wasm` file that sits next
 * to this file; in a browser it streams that file from beside this module's URL; if either
 * fails (a bundler that did not copy the file, a worker, a CDN), the same bytes are taken from
 * the base64 copy in wasm-inline.js. Typed-array views go stale whenever memory grows, so
 * callers ask for views through f32()/i32() each time instead of keeping one.
 */

export interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  conv2dWorkspaceBytes(N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, OH: number, OW: number): number;
  conv2dForward(x: number, w: number, bias: number, y: number, ws: number, ...shape: number[]): void;
  conv2dBackwardInput(dy: number, w: number, dx: number, ws: number, ...shape: number[]): void;
  conv2dBackwardWeight(x: number, dy: number, dw: number, ws: number, ...shape: number[]): void;
  conv2dBackwardBias(dy: number, db: number, N: number, OC: number, OHW: number): void;
  maxPool2dForward(x: number, y: number, argmax: number, P: number, H: number, W: number, KH: number, KW: number,
    sH: number, sW: number, pH: number, pW: number, OH: number, OW: number): void;
  maxPool2dBackward(dy: number, argmax: number, dx: number, P: number, H: number, W: number, OH: number, OW: number): void;
  avgPool2dForward(x: number, y: number, P: number, H: number, W: number, KH: number, KW: number,
    sH: number, sW: number, pH: number, pW: number, OH: number, OW: number): void;
  avgPool2dBackward(dy: number, dx: number, P: number, H: number, W: number, KH: number, KW: number,
    sH: number, sW: number, pH: number, pW: number, OH: number, OW: number): void;
  binary(op: number, a: number, b: number, y: number, d0: number, d1: number, d2: number, d3: number,
    sa0: number, sa1: number, sa2: number, sa3: number, sb0: number, sb1: number, sb2: number, sb3: number): void;
  unary(op: number, x: number, y: number, n: number, p0: number, p1: number): void;
  unaryBackward(op: number, x: number, y: number, dy: number, dx: number, n: number, p0: number, p1: number): void;
  fill(y: number, n: number, value: number): void;
  copyBytes(src: number, dst: number, n: number): void;
  reduceSum(x: number, y: number, outer: number, n: number, inner: number, scale: number): void;
  reduceMax(x: number, y: number, idx: number, outer: number, n: number, inner: number): void;
  reduceMaxBackward(dy: number, idx: number, dx: number, outer: number, n: number, inner: number): void;
  softmax(x: number, y: number, outer: number, n: number, inner: number, log: number): void;
  softmaxBackward(y: number, dy: number, dx: number, outer: number, n: number, inner: number, log: number): void;
  crossEntropyForward(logits: number, labels: number, loss: number, logp: number, N: number, C: number): number;
  crossEntropyBackward(logp: number, labels: number, dloss: number, dx: number, N: number, C: number): void;
  nllForward(logp: number, labels: number, loss: number, N: number, C: number): number;
  nllBackward(labels: number, dloss: number, dx: number, N: number, C: number): void;
  stridedCopy(src: number, dst: number, ndim: number, shape: number, srcStrides: number, dstStrides: number, accumulate: number): void;
  gatherRows(x: number, idx: number, y: number, nIdx: number, rowLen: number, nRows: number): number;
  scatterAddRows(dy: number, idx: number, dx: number, nIdx: number, rowLen: number): void;
  oneHot(labels: number, y: number, n: number, C: number): number;
  f32ToI32(x: number, y: number, n: number): void;
  rngSeed(lo: number, hi: number): void;
  rngNextU32(): number;
  rngUniform(y: number, n: number, lo: number, hi: number): void;
  rngNormal(y: number, n: number, mean: number, std: number): void;
  rngBernoulliMask(y: number, n: number, p: number, keepValue: number): void;
  rngPermutation(idx: number, n: number): void;
  rngIntegers(y: number, n: number, lo: number, hi: number): void;
  rngGetState(out: number): void;
  rngSetState(src: number): void;
  simdPeak?(iters: number): number;
  // Kernel families added later (optimisers, ...) are reached through this index.
  [name: string]: unknown;
}

let kernels: Kernels | null = null;
let f32View = new Float32Array(0);
let i32View = new Int32Array(0);
let loading: Promise<void> | null = null;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

export interface InitOptions {
  /** Wasm bytes, a compiled module, or a URL to fetch them from (browser); default: next to this file. */
  wasm?: BufferSource | WebAssembly.Module | URL | string;
}

async function inlineBytes(): Promise<Uint8Array> {
  const { wasmBase64 } = await import('./wasm-inline.js');
  if (typeof atob === 'function') {
    const bin = atob(wasmBase64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  return new Uint8Array(Buffer.from(wasmBase64, 'base64'));
}

/** How the module was loaded: 'file' (Node), 'streaming' (browser), 'inline' (base64 fallback), 'given'. */
export let wasmSource: 'file' | 'streaming' | 'fetch' | 'inline' | 'given' | 'none' = 'none';

async function instantiate(options: InitOptions): Promise<WebAssembly.Instance> {
  const imports = { env: { abort() { throw new Error('wasmgrad: a kernel aborted'); } } };
  const src = options.wasm;
  if (src instanceof WebAssembly.Module) {
    wasmSource = 'given';
    return WebAssembly.instantiate(src, imports);
  }
  if (src && !(src instanceof URL) && typeof src !== 'string') {
    wasmSource = 'given';
    return (await WebAssembly.instantiate(src, imports)).instance;
  }
  const url = src ? new URL(String(src), isNode ? undefined : globalThis.location?.href) : new URL('./wasmgrad.wasm', import.meta.url);
  try {
    if (isNode && url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      const instance = (await WebAssembly.instantiate(await readFile(url), imports)).instance;
      wasmSource = 'file';
      return instance;
    }
    if (typeof WebAssembly.instantiateStreaming === 'function') {
      const instance = (await WebAssembly.instantiateStreaming(fetch(url), imports)).instance;
      wasmSource = 'streaming';
      return instance;
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const instance = (await WebAssembly.instantiate(await res.arrayBuffer(), imports)).instance;
    wasmSource = 'fetch';
    return instance;
  } catch (err) {
    if (src) throw new Error(`wasmgrad.init: could not load the wasm module from ${url.href}: ${(err as Error).message}`);
    wasmSource = 'inline';
    return (await WebAssembly.instantiate(await inlineBytes() as BufferSource, imports)).instance;
  }
}

/** Loads the kernels; safe to call more than once (later calls reuse the first load). */
export function init(options: InitOptions = {}): Promise<void> {
  if (!loading) {
    loading = instantiate(options).then((instance) => {
      kernels = instance.exports as unknown as Kernels;
      onInit.forEach((fn) => fn(kernels!));
    });
    loading.catch(() => { loading = null; });
  }
  return loading;
}

export function isInitialized(): boolean {
  return kernels !== null;
}

const onInit: ((k: Kernels) => void)[] = [];
/** Registers a hook run once the module is loaded (the heap uses it to find its base). */
export function whenInitialized(fn: (k: Kernels) => void): void {
  onInit.push(fn);
  if (kernels) fn(kernels);
}

/** The kernels; throws a clear error before init(). */
export function K(): Kernels {
  if (kernels === null) throw new Error('wasmgrad is not initialised: call `await init()` first');
  return kernels;
}

/** A Float32Array over all of wasm memory (re-derived after growth). */
export function f32(): Float32Array {
  const buf = K().memory.buffer;
  if (f32View.buffer !== buf) f32View = new Float32Array(buf);
  return f32View;
}

export function i32(): Int32Array {
  const buf = K().memory.buffer;
  if (i32View.buffer !== buf) i32View = new Int32Array(buf);
  return i32View;
}
