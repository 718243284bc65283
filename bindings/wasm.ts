/**
 * Loads the kernels' wasm module and hands out its exports and fresh memory views.
 *
 * Loading needs no path configuration: in Node the module reads the `.wasm` file that sits next
 * to this file; in a browser it streams that file from beside this module's URL; if either
 * fails (a bundler that did not copy the file, a worker, a CDN), the same bytes are taken from
 * the base64 copy in wasm-inline.js. Where shared memory works (Node; a cross-origin isolated
 * page) the threads build wasmgrad-mt.wasm is loaded instead: same kernels, same results, on a
 * shared memory that worker threads can run kernels on (threads.ts). Typed-array views go stale whenever memory grows, so
 * callers ask for views through f32()/i32() each time instead of keeping one.
 */
import type { KernelExports } from './abi.generated.js';

import { initGemmTile } from './gemm-tile.js';
import { checkOptions, keysOf } from './args.js';

/**
 * The kernels module's exports. Every function is declared once, by its AssemblyScript source:
 * scripts/gen-abi.mjs generates KernelExports from assembly/ at build time, so a misspelt kernel
 * or a wrong argument count is a TypeScript error (how to add a kernel: assembly/abi.ts).
 */
export interface Kernels extends KernelExports {
  memory: WebAssembly.Memory;
}

let kernels: Kernels | null = null;
let f32View = new Float32Array(0);
let i32View = new Int32Array(0);
let loading: Promise<void> | null = null;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Options of `init()`: which build to load, from where, and how many threads.
 * @example await init({ threads: 1 })
 */
export interface InitOptions {
  /**
   * Wasm bytes, a compiled module, or a URL to fetch them from (browser); default: next to this
   * file. Either build works: wasmgrad.wasm (own memory, one thread) or wasmgrad-mt.wasm
   * (imports a shared memory; worker threads run on it).
   */
  wasm?: BufferSource | WebAssembly.Module | URL | string;
  /** Threads for the big kernels (see setNumThreads); default: the available cores. */
  threads?: number;
  /**
   * Opt in to the relaxed-SIMD build (wasmgrad-relaxed.wasm / wasmgrad-mt-relaxed.wasm): fused
   * multiply-add in the GEMM and conv tiles. Off by default: where the hardware has FMA its
   * results differ in the last bits from the default build's (and from machines without FMA),
   * so the same seed no longer gives the same bytes everywhere. Needs a runtime with relaxed
   * SIMD (Chrome 114+; Node 20 needs --experimental-wasm-relaxed-simd). Loaded from the file
   * beside this module (there is no inlined copy).
   */
  relaxedSimd?: boolean;
  /**
   * The GEMM register tile: 'auto' (default: the host family's tile, then a short timed probe),
   * 'family' (no probe) or a tile such as '4x8' (for benchmarking). Results are the same bits
   * with every tile. Default: the environment variable WASMGRAD_GEMM_TILE, else 'auto'.
   */
  gemmTile?: string;
}

/** (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))) */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // no locals; relaxed_madd (0xfd 0x105); end
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0,
    10, body.length + 2, 1, body.length, ...body]);
}

/** Why the relaxed-SIMD build cannot be used here ('' when it can). */
export function relaxedSimdUnavailable(): string {
  try {
    if (WebAssembly.validate(relaxedProbe())) return '';
  } catch { /* reported below */ }
  return isNode
    ? `this Node (${process.versions.node}) does not enable relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)`
    : 'this browser does not support WebAssembly relaxed SIMD';
}

/** Whether the relaxed-SIMD (FMA) build is the one loaded. */
export let relaxedSimd = false;

/** Why the threads build cannot be used here ('' when it can). */
export function sharedMemoryUnavailable(): string {
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'SharedArrayBuffer is not available (in a browser the page must be cross-origin isolated: COOP/COEP headers)';
  }
  if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (err) {
    return `this runtime cannot make shared wasm memory (${(err as Error).message})`;
  }
  return '';
}

async function inlineBytes(threads: boolean): Promise<Uint8Array> {
  const b64 = threads ? (await import('./wasm-mt-inline.js')).wasmThreadsBase64 : (await import('./wasm-inline.js')).wasmBase64;
  if (typeof atob === 'function') {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** How the module was loaded: 'file' (Node), 'streaming' (browser), 'inline' (base64 fallback), 'given'. */
export let wasmSource: 'file' | 'streaming' | 'fetch' | 'inline' | 'given' | 'none' = 'none';

async function compile(options: InitOptions, threads: boolean): Promise<WebAssembly.Module> {
  const src = options.wasm;
  if (src instanceof WebAssembly.Module) {
    wasmSource = 'given';
    return src;
  }
  if (src && !(src instanceof URL) && typeof src !== 'string') {
    wasmSource = 'given';
    return WebAssembly.compile(src);
  }
  const relaxed = options.relaxedSimd === true;
  const file = `./wasmgrad${threads ? '-mt' : ''}${relaxed ? '-relaxed' : ''}.wasm`;
  const url = src ? new URL(String(src), isNode ? undefined : globalThis.location?.href) : new URL(file, import.meta.url);
  try {
    if (isNode && url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      const module = await WebAssembly.compile(await readFile(url));
      wasmSource = 'file';
      return module;
    }
    if (typeof WebAssembly.compileStreaming === 'function') {
      const module = await WebAssembly.compileStreaming(fetch(url));
      wasmSource = 'streaming';
      return module;
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const module = await WebAssembly.compile(await res.arrayBuffer());
    wasmSource = 'fetch';
    return module;
  } catch (err) {
    if (src || relaxed) throw new Error(`wasmgrad.init: could not load the wasm module from ${url.href}: ${(err as Error).message}`);
    wasmSource = 'inline';
    return WebAssembly.compile(await inlineBytes(threads) as BufferSource);
  }
}

// The threads build's memory: its initial size matches asconfig.json's initialMemory (32 pages,
// room for the static data); the maximum is wasm32's 4 GiB, which a shared memory must declare.
const SHARED_INITIAL_PAGES = 32;
const SHARED_MAXIMUM_PAGES = 65536;

/** The loaded module, and its memory when that is shared (worker threads instantiate both). */
export let loadedModule: WebAssembly.Module | null = null;
export let sharedMemory: WebAssembly.Memory | null = null;

async function instantiate(options: InitOptions): Promise<WebAssembly.Instance> {
  const threads = sharedMemoryUnavailable() === '';
  if (options.relaxedSimd) {
    const why = relaxedSimdUnavailable();
    if (why) throw new Error(`wasmgrad.init: relaxedSimd was asked for, but ${why}`);
  }
  const module = await compile(options, threads);
  relaxedSimd = options.relaxedSimd === true;
  const importsMemory = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  const env: WebAssembly.ModuleImports = { abort() { throw new Error('wasmgrad: a kernel aborted'); } };
  if (importsMemory) {
    const why = sharedMemoryUnavailable();
    if (why) throw new Error(`wasmgrad.init: this wasm module is the threads build, but ${why}; load wasmgrad.wasm instead`);
    sharedMemory = new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAXIMUM_PAGES, shared: true });
    env.memory = sharedMemory;
  }
  loadedModule = module;
  return WebAssembly.instantiate(module, { env });
}

const onLoad: ((options: InitOptions) => Promise<void>)[] = [];
/** Registers an async step of init() run after the module is loaded (thread start-up uses it). */
export function whenLoaded(fn: (options: InitOptions) => Promise<void>): void {
  onLoad.push(fn);
}

const INIT_OPTIONS = keysOf<InitOptions>()('wasm', 'threads', 'relaxedSimd', 'gemmTile');

/** Loads the kernels; safe to call more than once (later calls reuse the first load). */
export function init(options: InitOptions = {}): Promise<void> {
  try {
    checkOptions('init', options, INIT_OPTIONS);
  } catch (err) {
    return Promise.reject(err);
  }
  if (!loading) {
    loading = instantiate(options).then(async (instance) => {
      const k = instance.exports as unknown as Kernels;
      initGemmTile(k, options.gemmTile);
      kernels = k;
      onInit.forEach((fn) => fn(kernels!));
      for (const fn of onLoad) await fn(options);
    });
    loading.catch(() => { loading = null; });
  }
  return loading;
}

/**
 * True once `init()` has loaded the kernels.
 * @example if (!isInitialized()) await init();
 */
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
