/**
 * Wasm memory management: a size-class heap and automatic reclamation of tensors.
 *
 * The heap: blocks are rounded up to 64 bytes (cache lines; v128 alignment) and freed blocks go
 * to a free list of their exact size. A training loop allocates the same shapes every step, so
 * every allocation after the first step is served from a free list and memory stays flat.
 *
 * Reclamation, so that a PyTorch-style loop never frees anything by hand:
 * - Op results are *temporaries*. Each records the last "step" it was used in (created, read by
 *   an op, read back to JS). A step ends when backward() finishes; a temporary not used in the
 *   current or the previous step is reclaimed then. So everything a step makes (activations,
 *   the loss) lives through that step and the next, and a tensor that is used every step (a
 *   full-batch input) lives as long as it is used.
 * - noGrad(fn) / tidy(fn) reclaim, when fn returns, the temporaries made inside fn that fn does
 *   not return: evaluation loops stay flat without any backward().
 * - Tensors you make yourself (tensor(), zeros(), randn(), ...), parameters, gradients of
 *   persistent leaves, and anything you call keep() on are *persistent*: reclaimed by
 *   dispose(), or when JavaScript's garbage collector drops them (FinalizationRegistry).
 * Touching a reclaimed tensor throws an error that says why it was reclaimed; it never reads
 * memory that now belongs to another tensor.
 */
import { K, whenInitialized } from './wasm.js';

const ALIGN = 64;
const PAGE = 65536;

/** A block of wasm memory shared by a tensor and its views (reshape, detach). */
export class Storage {
  refs = 0;
  constructor(readonly ptr: number, readonly bytes: number) {}
}

/** Per-tensor liveness record; kept apart from the tensor so the GC can drop the tensor. */
export class Handle {
  released = false;
  releasedBy = '';
  lastUse: number;
  constructor(public storage: Storage, public temp: boolean) {
    storage.refs++;
    this.lastUse = step;
  }
}

let heapTop = 0;
let heapStart = 0;
const freeLists = new Map<number, number[]>();
let liveBytes = 0;
let liveBlocks = 0;
let step = 0;
let temps: Handle[] = [];
const scopes: Handle[][] = [];

whenInitialized((k) => {
  heapStart = heapTop = Math.ceil(k.heapBase() / ALIGN) * ALIGN;
});

function ensureCapacity(top: number): void {
  const memory = K().memory;
  const have = memory.buffer.byteLength;
  if (top <= have) return;
  const pages = Math.ceil((top - have) / PAGE);
  try {
    memory.grow(pages);
  } catch {
    throw new RangeError(`wasmgrad: out of wasm memory: need ${top} bytes, have ${have} (the limit is 4 GiB)`);
  }
}

/** Allocates a block of at least `bytes` bytes, 64-byte aligned. */
export function alloc(bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  liveBytes += size;
  liveBlocks++;
  const list = freeLists.get(size);
  if (list !== undefined && list.length > 0) return list.pop()!;
  if (heapTop === 0) K(); // throws the "not initialised" error
  const ptr = heapTop;
  ensureCapacity(ptr + size);
  heapTop = ptr + size;
  return ptr;
}

export function free(ptr: number, bytes: number): void {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  liveBytes -= size;
  liveBlocks--;
  let list = freeLists.get(size);
  if (list === undefined) freeLists.set(size, (list = []));
  list.push(ptr);
}

/** Runs fn with a scratch block that is freed afterwards. */
export function withScratch<T>(bytes: number, fn: (ptr: number) => T): T {
  const ptr = alloc(bytes);
  try {
    return fn(ptr);
  } finally {
    free(ptr, bytes);
  }
}

function releaseStorage(s: Storage): void {
  if (--s.refs === 0) free(s.ptr, s.bytes);
}

export function release(h: Handle, why: string): void {
  if (h.released) return;
  h.released = true;
  h.releasedBy = why;
  releaseStorage(h.storage);
}

const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Handle>((h) => release(h, 'garbage-collected'))
  : null;

/** Makes the liveness record of a new tensor; `owner` is the tensor (for the GC hook). */
export function track(owner: object, storage: Storage, temp: boolean): Handle {
  const h = new Handle(storage, temp);
  if (temp) {
    temps.push(h);
    if (scopes.length > 0) scopes[scopes.length - 1].push(h);
  }
  // Temporaries are reclaimed by steps and scopes; registering them too would cost more GC
  // time than the ops themselves.
  if (!temp) finalizer?.register(owner, h);
  return h;
}

/** Turns a temporary into a persistent tensor (keep()): the GC hook takes over its lifetime. */
export function makePersistent(owner: object, h: Handle): void {
  if (!h.temp) return;
  h.temp = false;
  finalizer?.register(owner, h);
}

export function newStorage(bytes: number): Storage {
  return new Storage(alloc(bytes), bytes);
}

/** The current step number (advanced by endStep). */
export function currentStep(): number {
  return step;
}

/** Ends a training step (called by backward()): reclaims temporaries unused for two steps. */
export function endStep(): void {
  step++;
  // A fresh array rather than truncating in place: shrinking `length` is slow in V8.
  const survivors: Handle[] = [];
  for (let i = 0; i < temps.length; i++) {
    const h = temps[i];
    if (h.released || !h.temp) continue;
    if (h.lastUse < step - 1) {
      release(h, 'it was not used during the last two backward() steps');
      continue;
    }
    survivors.push(h);
  }
  temps = survivors;
}

/**
 * Runs fn and reclaims the temporaries made inside it, except those in `keep(result)`.
 * Survivors join the enclosing scope, so nested scopes compose.
 */
export function scoped<T>(fn: () => T, keepOf: (result: T) => Set<Handle>, why: string): T {
  const mine: Handle[] = [];
  scopes.push(mine);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const keep = keepOf(result);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const h of mine) {
    if (keep.has(h) || !h.temp) {
      if (!h.released && parent) parent.push(h);
      continue;
    }
    release(h, why);
  }
  compactTempsIfLarge();
  return result;
}

let compactAt = 4096;
/** Drops released records so loops that never call backward() do not grow the list. */
function compactTempsIfLarge(): void {
  if (temps.length < compactAt) return;
  temps = temps.filter((h) => !h.released && h.temp);
  compactAt = Math.max(4096, temps.length * 2);
}

export interface MemoryInfo {
  /** Bytes of wasm linear memory (grows, never shrinks). */
  wasmBytes: number;
  /** Bytes in blocks currently allocated to tensors and scratch. */
  liveBytes: number;
  liveBlocks: number;
  /** Bytes ever taken from the heap (live + free lists). */
  heapBytes: number;
  /** Temporaries still waiting for reclamation. */
  pendingTemporaries: number;
  step: number;
}

export function memoryInfo(): MemoryInfo {
  return {
    wasmBytes: K().memory.buffer.byteLength,
    liveBytes,
    liveBlocks,
    heapBytes: heapTop - heapStart,
    pendingTemporaries: temps.length,
    step,
  };
}
