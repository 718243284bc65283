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

/**
 * Per-tensor liveness record; kept apart from the tensor so the GC can drop the tensor.
 * A tensor and its views (reshape, detach) share one block of wasm memory: the handle that
 * allocated it is the block's owner (`block === this`) and counts the live handles on it, and
 * the block is freed when the last of them is released.
 */
export class Handle {
  released = false;
  releasedBy = '';
  lastUse: number;
  /** Keep mark: a scope keeps the handles that carry the mark it hands out at its exit. */
  mark = 0;
  /** On the owner: how many unreleased handles share the block. */
  refs = 1;
  readonly block: Handle;
  constructor(readonly ptr: number, readonly bytes: number, public temp: boolean, viewOf: Handle | null) {
    this.lastUse = step;
    if (viewOf === null) {
      this.block = this;
    } else {
      this.block = viewOf.block;
      this.block.refs++;
    }
  }
}

let heapTop = 0;
let heapStart = 0;
/** Free lists of the small size classes, indexed by size / ALIGN; larger ones in the Map. */
const SMALL_CLASSES = 1024;
const smallFree: number[][] = [];
for (let i = 0; i <= SMALL_CLASSES; i++) smallFree.push([]);
const freeLists = new Map<number, number[]>();
let liveBytes = 0;
let liveBlocks = 0;
let step = 0;
/**
 * The temporaries, temps[0..tempCount). The lists here are compacted in place and keep their
 * length (shrinking an array's length is slow in V8); slots past the count are cleared.
 */
let temps: (Handle | null)[] = [];
let tempCount = 0;
/**
 * The temporaries of all open scopes on one stack: scope k owns
 * scopeHandles[scopeStarts[k]..scopeCount), so nested scopes need no arrays of their own.
 */
const scopeHandles: (Handle | null)[] = [];
let scopeCount = 0;
const scopeStarts: number[] = [];
let markCounter = 0;

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
  const size = sizeClass(bytes);
  liveBytes += size;
  liveBlocks++;
  const list = freeListOf(size);
  if (list.length > 0) return list.pop()!;
  if (heapTop === 0) K(); // throws the "not initialised" error
  const ptr = heapTop;
  ensureCapacity(ptr + size);
  heapTop = ptr + size;
  return ptr;
}

export function free(ptr: number, bytes: number): void {
  const size = sizeClass(bytes);
  liveBytes -= size;
  liveBlocks--;
  freeListOf(size).push(ptr);
}

function sizeClass(bytes: number): number {
  return bytes <= ALIGN ? ALIGN : Math.ceil(bytes / ALIGN) * ALIGN;
}

function freeListOf(size: number): number[] {
  const c = size / ALIGN;
  if (c <= SMALL_CLASSES) return smallFree[c];
  let list = freeLists.get(size);
  if (list === undefined) freeLists.set(size, (list = []));
  return list;
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

export function release(h: Handle, why: string): void {
  if (h.released) return;
  h.released = true;
  h.releasedBy = why;
  const b = h.block;
  if (--b.refs === 0) free(b.ptr, b.bytes);
}

const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Handle>((h) => release(h, 'garbage-collected'))
  : null;

/**
 * Makes the liveness record of a new tensor, on a new block of `bytes` bytes or on the block of
 * `viewOf`; `owner` is the tensor (for the GC hook).
 */
export function track(owner: object, bytes: number, temp: boolean, viewOf: Handle | null): Handle {
  const h = viewOf === null ? new Handle(alloc(bytes), bytes, temp, null) : new Handle(viewOf.ptr, viewOf.bytes, temp, viewOf);
  if (temp) {
    temps[tempCount++] = h;
    if (scopeStarts.length > 0) scopeHandles[scopeCount++] = h;
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

/** The current step number (advanced by endStep). */
export function currentStep(): number {
  return step;
}

/** Ends a training step (called by backward()): reclaims temporaries unused for two steps. */
export function endStep(): void {
  step++;
  sweepTemps(step - 1);
}

/**
 * Drops the records of released and persistent tensors from the temporaries list (in place),
 * and reclaims the temporaries last used before step `minUse`.
 */
function sweepTemps(minUse: number): void {
  let j = 0;
  for (let i = 0; i < tempCount; i++) {
    const h = temps[i]!;
    temps[i] = null;
    if (h.released || !h.temp) continue;
    if (h.lastUse < minUse) {
      release(h, 'it was not used during the last two backward() steps');
      continue;
    }
    temps[j++] = h;
  }
  tempCount = j;
}

/** A fresh keep mark: scoped() keeps the handles whose `mark` is the number its keepOf returns. */
export function newMark(): number {
  return ++markCounter;
}

/**
 * Runs fn and reclaims the temporaries made inside it, except those that keepOf(result) marks
 * (it sets their `mark` to a newMark() and returns that mark). Survivors join the enclosing
 * scope, so nested scopes compose.
 */
export function scoped<T>(fn: () => T, keepOf: (result: T) => number, why: string): T {
  const start = scopeCount;
  scopeStarts.push(start);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // What fn made stays with the step rules (as if no scope had been open).
    scopeStarts.pop();
    for (let i = start; i < scopeCount; i++) scopeHandles[i] = null;
    scopeCount = start;
    throw err;
  }
  scopeStarts.pop();
  const keep = keepOf(result);
  const nested = scopeStarts.length > 0;
  let j = start;
  for (let i = start; i < scopeCount; i++) {
    const h = scopeHandles[i]!;
    scopeHandles[i] = null;
    if (h.mark === keep || !h.temp) {
      if (nested && !h.released) scopeHandles[j++] = h;
      continue;
    }
    release(h, why);
  }
  scopeCount = j;
  compactTempsIfLarge();
  return result;
}

let compactAt = 4096;
/** Drops released records so loops that never call backward() do not grow the list. */
function compactTempsIfLarge(): void {
  if (tempCount < compactAt) return;
  sweepTemps(-Infinity);
  compactAt = Math.max(4096, tempCount * 2);
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
    pendingTemporaries: tempCount,
    step,
  };
}
