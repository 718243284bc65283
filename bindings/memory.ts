/**
 * Wasm memory: a heap of 64-byte-aligned blocks, and the rules that reclaim tensors without any
 * dispose() in user code. (JavaScript has no reference counting, and finalisers never run inside
 * a synchronous loop, so the garbage collector alone cannot keep a training loop flat.)
 *
 * Every tensor has a liveness record (Handle) of one of three kinds:
 * - temporary: op results; tensors made by factories inside noGrad()/tidy(), or after the
 *   program's first backward() (i.e. inside a training loop); DataLoader batches.
 * - owned: parameters and buffers of a Module, tensors an optimiser updates, its state, and the
 *   gradients of these. They live as long as they are used (see "pressure" below).
 * - persistent: tensors made by factories before the first backward() (the program's set-up),
 *   and anything keep() was called on. Only dispose() or JavaScript's garbage collector
 *   (FinalizationRegistry) frees them.
 *
 * Every use of a tensor (made, read by an op, read back to JS) stamps it with the clock. The
 * clock advances at two kinds of boundary:
 * - a step: backward() returning. A temporary not used during that step or the one before is
 *   reclaimed then, so a step's activations and loss can still be read after the next
 *   backward() (a GAN's two losses after both backward passes), and no longer.
 * - a tick: each DataLoader batch and each read-back to JS (item(), data(), toArray()). A
 *   temporary not used during the last TICK_GRACE ticks is reclaimed then, unless it was last
 *   used during the last completed step (those follow the step rule). Ticks keep the loops that
 *   never call backward() flat (evaluation with or without noGrad()), and leave room for the
 *   few read-backs and batches a training step makes between forward and backward.
 * Scopes: noGrad(fn) and tidy(fn) reclaim, when fn returns, the temporaries made inside fn that
 * fn does not return.
 * Pressure: before wasm memory grows, owned tensors that took part in training and have not been
 * used for two steps (the parameters of a model trained earlier and left behind, as in a sweep
 * over model widths) are reclaimed, and free blocks are coalesced, so a sweep of many models runs
 * in the memory of about one.
 *
 * Touching a reclaimed tensor throws an error that says why it was reclaimed; it never reads
 * memory that now belongs to another tensor.
 *
 * The heap: freed blocks go to a free list of their exact size, so a loop that makes the same
 * shapes every step is served from those lists in O(1). Only when the heap would otherwise have
 * to grow are free blocks merged with their neighbours and split to fit (best fit), and the heap
 * top lowered over a free block that ends there. Addresses are unsigned 32-bit numbers up to the
 * 4 GiB of wasm32: shift them with `>>>`, never `>>`.
 */
import { K, whenInitialized } from './wasm.js';
import { fmt } from './shape.js';

const ALIGN = 64;
const PAGE = 65536;
/** wasm32's address space; the threads build declares this maximum too. */
export const MEMORY_LIMIT = 2 ** 32;
/** Ticks (batches, read-backs) a temporary outlives its last use by. */
export const TICK_GRACE = 8;

/** Lifetimes: see the header. PERSISTENT is set-up made; KEPT is keep() (owned never downgrades it). */
export const TEMP = 0, OWNED = 1, PERSISTENT = 2, KEPT = 3;
export type Kind = typeof TEMP | typeof OWNED | typeof PERSISTENT | typeof KEPT;

/**
 * Per-tensor liveness record; kept apart from the tensor so the GC can drop the tensor.
 * A tensor and its views (reshape, detach) share one block of wasm memory: the handle that
 * allocated it is the block's owner (`block === this`) and counts the live handles on it, and
 * the block is freed when the last of them is released.
 */
export class Handle {
  released = false;
  releasedBy = '';
  /** The clock at the last use. */
  lastUse: number;
  /** The clock when it was made (owned tensors count as trained once used after that). */
  readonly made: number;
  kind: Kind;
  /** Made by a factory (tensor(), randn(), ...), not by an op: such a temporary becomes persistent once it requires gradients. */
  factory = false;
  /** Got a gradient in a backward() (a parameter or a leaf being optimised), or is such a gradient. */
  trained = false;
  /** Keep mark: a scope keeps the handles that carry the mark it hands out at its exit. */
  mark = 0;
  /** On the owner: how many unreleased handles share the block. */
  refs = 1;
  readonly block: Handle;
  constructor(readonly ptr: number, readonly bytes: number, kind: Kind, viewOf: Handle | null) {
    this.lastUse = this.made = clock;
    this.kind = kind;
    if (viewOf === null) {
      this.block = this;
    } else {
      this.block = viewOf.block;
      this.block.refs++;
    }
  }

  get temp(): boolean {
    return this.kind === TEMP;
  }
}

// ---- the heap --------------------------------------------------------------------------------

let heapTop = 0;
let heapStart = 0;
/** Free lists of the small size classes, indexed by size / ALIGN; larger ones in the Map. */
const SMALL_CLASSES = 1024;
const smallFree: number[][] = [];
for (let i = 0; i <= SMALL_CLASSES; i++) smallFree.push([]);
const largeFree = new Map<number, number[]>();
let liveBytes = 0;
let liveBlocks = 0;
let freeBytes = 0;
/** Whether blocks were freed since the last coalescing pass (else a pass would find nothing new). */
let freedSinceCoalesce = false;
let highWater = 0;

whenInitialized((k) => {
  heapStart = heapTop = Math.ceil(k.heapBase() / ALIGN) * ALIGN;
});

function sizeClass(bytes: number): number {
  return bytes <= ALIGN ? ALIGN : Math.ceil(bytes / ALIGN) * ALIGN;
}

function freeListOf(size: number): number[] {
  const c = size / ALIGN;
  if (c <= SMALL_CLASSES) return smallFree[c];
  let list = largeFree.get(size);
  if (list === undefined) largeFree.set(size, (list = []));
  return list;
}

/**
 * Allocates a block of at least `bytes` bytes, 64-byte aligned. `op` and `shape` name what it is
 * for in the out-of-memory error.
 */
export function alloc(bytes: number, op = 'alloc', shape?: readonly number[]): number {
  const size = sizeClass(bytes);
  const list = freeListOf(size);
  let ptr: number;
  if (list.length > 0) {
    ptr = list.pop()!;
    freeBytes -= size;
  } else {
    ptr = allocSlow(size, op, shape);
  }
  liveBytes += size;
  liveBlocks++;
  return ptr;
}

/**
 * On a miss of the exact-size lists: the best-fitting free block (after merging neighbours, if
 * blocks were freed since the last merge), else the top of the heap; before wasm memory grows,
 * owned tensors left idle are reclaimed (reclaimIdleOwned) and the search repeated.
 */
function allocSlow(size: number, op: string, shape: readonly number[] | undefined): number {
  if (heapTop === 0) K(); // throws the "not initialised" error
  if (freeBytes >= size) {
    if (freedSinceCoalesce) coalesce();
    const ptr = takeBestFit(size);
    if (ptr >= 0) return ptr;
  }
  if (heapTop + size <= K().memory.buffer.byteLength) return bump(size);
  if (reclaimIdleOwned() > 0) {
    coalesce();
    const ptr = takeBestFit(size);
    if (ptr >= 0) return ptr;
    if (heapTop + size <= K().memory.buffer.byteLength) return bump(size);
  }
  grow(heapTop + size, size, op, shape);
  return bump(size);
}

function bump(size: number): number {
  const ptr = heapTop;
  heapTop += size;
  if (heapTop > highWater) highWater = heapTop;
  return ptr;
}

function grow(top: number, size: number, op: string, shape: readonly number[] | undefined): void {
  const memory = K().memory;
  const have = memory.buffer.byteLength;
  if (top <= MEMORY_LIMIT) {
    try {
      memory.grow(Math.ceil((top - have) / PAGE));
      return;
    } catch { /* reported below */ }
  }
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const what = shape ? `a tensor of shape ${fmt(shape)} (${mb(size)})` : mb(size);
  throw new RangeError(`${op}: out of wasm memory: ${what} does not fit. Live tensors hold ${mb(liveBytes)} and freed blocks ${mb(freeBytes)}, `
    + `the heap spans ${mb(heapTop - heapStart)} of wasm memory's ${mb(have)}, and wasm32 cannot exceed ${mb(MEMORY_LIMIT)}`
    + `${top <= MEMORY_LIMIT ? ' (the runtime refused to grow it further)' : ''}. `
    + 'Use smaller batches, evaluate inside noGrad(), or dispose() tensors you no longer need; nothing was allocated, and the engine stays usable.');
}

export function free(ptr: number, bytes: number): void {
  const size = sizeClass(bytes);
  liveBytes -= size;
  liveBlocks--;
  freeBytes += size;
  freedSinceCoalesce = true;
  freeListOf(size).push(ptr);
}

/** Merges adjacent free blocks, lowers the heap top over a free block that ends there. */
function coalesce(): void {
  freedSinceCoalesce = false;
  const starts: number[] = [];
  const sizes = new Map<number, number>();
  const collect = (list: number[], size: number) => {
    for (const p of list) { starts.push(p); sizes.set(p, size); }
    list.length = 0;
  };
  for (let c = 1; c <= SMALL_CLASSES; c++) if (smallFree[c].length) collect(smallFree[c], c * ALIGN);
  for (const [size, list] of largeFree) collect(list, size);
  largeFree.clear();
  starts.sort((a, b) => a - b);
  const merged: [number, number][] = [];
  for (const p of starts) {
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === p) last[1] += sizes.get(p)!;
    else merged.push([p, sizes.get(p)!]);
  }
  const top = merged[merged.length - 1];
  if (top && top[0] + top[1] === heapTop) {
    heapTop = top[0];
    freeBytes -= top[1];
    merged.pop();
  }
  for (const [p, size] of merged) freeListOf(size).push(p);
}

/** Takes the smallest free block of at least `size` bytes, returning the rest; -1 if none. */
function takeBestFit(size: number): number {
  let best = -1;
  for (let c = size / ALIGN; c <= SMALL_CLASSES; c++) {
    if (smallFree[c].length) { best = c * ALIGN; break; }
  }
  if (best < 0) {
    for (const [s, list] of largeFree) if (list.length && s >= size && (best < 0 || s < best)) best = s;
  }
  if (best < 0) return -1;
  const ptr = freeListOf(best).pop()!;
  freeBytes -= best;
  if (best > size) {
    freeListOf(best - size).push(ptr + size);
    freeBytes += best - size;
  }
  return ptr;
}

/** Runs fn with a scratch block that is freed afterwards. */
export function withScratch<T>(bytes: number, fn: (ptr: number) => T): T {
  const ptr = alloc(bytes, 'scratch');
  try {
    return fn(ptr);
  } finally {
    free(ptr, bytes);
  }
}

// ---- liveness --------------------------------------------------------------------------------

/** Advances at every step and tick; handles are stamped with it when used. */
let clock = 0;
/** Completed steps (backward() calls), and the clock when the current and previous steps began. */
let step = 0;
let stepBegan = 0;
let prevStepBegan = 0;
let ticks = 0;
let madeSinceTick = 0;

/**
 * The temporaries, temps[0..tempCount). The lists here are compacted in place and keep their
 * length (shrinking an array's length is slow in V8); slots past the count are cleared.
 */
let temps: (Handle | null)[] = [];
let tempCount = 0;
/** Owned handles (parameters, optimiser state), checked under memory pressure. */
let owned: (Handle | null)[] = [];
let ownedCount = 0;
/**
 * The temporaries of all open scopes on one stack: scope k owns
 * scopeHandles[scopeStarts[k]..scopeCount), so nested scopes need no arrays of their own.
 */
const scopeHandles: (Handle | null)[] = [];
let scopeCount = 0;
const scopeStarts: number[] = [];
let markCounter = 0;

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

/** Whether a tensor a factory makes now is a temporary (inside a scope, or after the first backward()). */
export function factoryMakesTemporaries(): boolean {
  return step > 0 || scopeStarts.length > 0;
}

/**
 * Makes the liveness record of a new tensor, on a new block of `bytes` bytes or on the block of
 * `viewOf`; `owner` is the tensor (for the GC hook). `temp` false means a factory made it: it
 * is persistent in the program's set-up and a temporary after that (factoryMakesTemporaries).
 */
export function track(owner: object, bytes: number, temp: boolean, viewOf: Handle | null, op = 'alloc', shape?: readonly number[]): Handle {
  const kind = temp || factoryMakesTemporaries() ? TEMP : PERSISTENT;
  const h = viewOf === null ? new Handle(alloc(bytes, op, shape), bytes, kind, null) : new Handle(viewOf.ptr, viewOf.bytes, kind, viewOf);
  if (kind === TEMP) {
    h.factory = !temp;
    madeSinceTick++;
    temps[tempCount++] = h;
    if (scopeStarts.length > 0) scopeHandles[scopeCount++] = h;
  } else {
    // Temporaries are reclaimed by steps, ticks and scopes; registering them too would cost
    // more GC time than the ops themselves.
    finalizer?.register(owner, h);
  }
  return h;
}

/** keep(): only dispose() or the garbage collector free the tensor then. */
export function makeKept(owner: object, h: Handle): void {
  if (h.kind === TEMP) finalizer?.register(owner, h);
  h.kind = KEPT;
}

/**
 * Makes a tensor owned (a parameter, buffer, optimiser state, or such a tensor's gradient):
 * exempt from the step, tick and scope rules, reclaimed under memory pressure once it has been
 * used in training and then left unused for two steps. A kept tensor stays kept.
 */
export function makeOwned(owner: object, h: Handle): void {
  if (h.kind === OWNED || h.kind === KEPT) return;
  if (h.kind === TEMP) finalizer?.register(owner, h);
  h.kind = OWNED;
  if (ownedCount >= ownedCompactAt) {
    ownedCount = compactList(owned, ownedCount, (x) => !x.released && x.kind === OWNED);
    ownedCompactAt = Math.max(4096, ownedCount * 2);
  }
  owned[ownedCount++] = h;
}
let ownedCompactAt = 4096;

/** Keeps the entries of list[0..count) that pass, in place; returns the new count. */
function compactList(list: (Handle | null)[], count: number, keep: (h: Handle) => boolean): number {
  let j = 0;
  for (let i = 0; i < count; i++) {
    const h = list[i]!;
    list[i] = null;
    if (keep(h)) list[j++] = h;
  }
  return j;
}

/**
 * A factory-made temporary that now requires gradients (a leaf you differentiate with respect
 * to, made inside a loop) becomes persistent, as the same tensor made in the set-up is.
 */
export function factoryLeaf(owner: object, h: Handle): void {
  if (h.kind !== TEMP || !h.factory || h.released) return;
  finalizer?.register(owner, h);
  h.kind = PERSISTENT;
}

/** A leaf got its first gradient `g` (backward()): the gradient lives as its leaf does. */
export function leafGotGradient(leaf: object, lh: Handle, g: object, gh: Handle): void {
  lh.trained = gh.trained = true;
  makeLike(g, gh, lh);
}

/** Gives h the lifetime of `like`. */
function makeLike(owner: object, h: Handle, like: Handle): void {
  if (like.kind === OWNED) makeOwned(owner, h);
  else if (like.kind !== TEMP && h.kind === TEMP) {
    finalizer?.register(owner, h);
    h.kind = PERSISTENT;
  }
}

/** The current clock (stamped on handles when used). */
export function now(): number {
  return clock;
}

/** Completed backward() steps. */
export function currentStep(): number {
  return step;
}

/** Ends a training step (backward() calls it): reclaims temporaries unused during it and the one before. */
export function endStep(): void {
  clock++;
  step++;
  sweepTemps(prevStepBegan, 'it was not used during the last two backward() steps');
  prevStepBegan = stepBegan;
  stepBegan = clock;
}

/**
 * A tick (a DataLoader batch, a read-back to JS): reclaims temporaries unused for TICK_GRACE
 * ticks. Only work counts: a read-back with no temporary made since the last tick (reading
 * several results one after another) does not advance the clock.
 */
export function tick(): void {
  if (madeSinceTick === 0) return;
  madeSinceTick = 0;
  clock++;
  ticks++;
  // The last completed step's temporaries (its loss, its outputs) are left to the step rule: a
  // loop that reads several values back after optimizer.step() (a gradient norm per layer) must
  // not lose the loss it reads last. That set is one step's worth, so memory stays bounded.
  sweepTemps(clock - TICK_GRACE, `it was not used during the last ${TICK_GRACE} DataLoader batches or read-backs to JS (item(), data(), toArray())`, prevStepBegan, stepBegan);
  if (scopeCount > 4096) compactScopes();
}

/**
 * Drops the records of released and non-temporary tensors from the temporaries list (in place),
 * and reclaims the temporaries last used before clock `minUse`, except those last used in
 * [spareFrom, spareTo).
 */
function sweepTemps(minUse: number, why: string, spareFrom = 0, spareTo = 0): void {
  let j = 0;
  for (let i = 0; i < tempCount; i++) {
    const h = temps[i]!;
    temps[i] = null;
    if (h.released || h.kind !== TEMP) continue;
    if (h.lastUse < minUse && !(h.lastUse >= spareFrom && h.lastUse < spareTo)) {
      release(h, why);
      continue;
    }
    temps[j++] = h;
  }
  tempCount = j;
}

/** Before wasm memory grows: reclaims owned tensors that were trained and then left unused for two steps. */
function reclaimIdleOwned(): number {
  let freed = 0;
  let j = 0;
  for (let i = 0; i < ownedCount; i++) {
    const h = owned[i]!;
    owned[i] = null;
    if (h.released || h.kind !== OWNED) continue;
    if ((h.trained || h.lastUse > h.made) && h.lastUse < prevStepBegan) {
      release(h, 'wasm memory had to grow while it (a parameter, buffer or optimiser state that had been trained) had not been used for two backward() steps; call model.keep() (or keep() on the tensor) to keep a model for later');
      freed++;
      continue;
    }
    owned[j++] = h;
  }
  ownedCount = j;
  return freed;
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
    // What fn made stays with the step and tick rules (as if no scope had been open).
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
    if (h.mark === keep || h.kind !== TEMP) {
      if (nested && !h.released) scopeHandles[j++] = h;
      continue;
    }
    release(h, why);
  }
  scopeCount = j;
  compactTempsIfLarge();
  return result;
}

/** Drops released records from the scope stack (a long loop inside one noGrad()), keeping each scope's range. */
function compactScopes(): void {
  let j = 0;
  let k = 0;
  for (let i = 0; i < scopeCount; i++) {
    while (k < scopeStarts.length && scopeStarts[k] === i) scopeStarts[k++] = j;
    const h = scopeHandles[i]!;
    scopeHandles[i] = null;
    if (!h.released) scopeHandles[j++] = h;
  }
  while (k < scopeStarts.length) scopeStarts[k++] = j;
  scopeCount = j;
}

let compactAt = 4096;
/** Drops released records so loops that never call backward() do not grow the list. */
function compactTempsIfLarge(): void {
  if (tempCount < compactAt) return;
  sweepTemps(-Infinity, '');
  compactAt = Math.max(4096, tempCount * 2);
}

/**
 * What `memoryInfo()` returns.
 * @example const { liveBytes } = memoryInfo();
 */
export interface MemoryInfo {
  /** Bytes of wasm linear memory (grows, never shrinks). */
  wasmBytes: number;
  /** Bytes in blocks currently allocated to tensors and scratch. */
  liveBytes: number;
  liveBlocks: number;
  /** Bytes the heap spans now (live blocks and free blocks below its top). */
  heapBytes: number;
  /** The most the heap has ever spanned. */
  heapHighWater: number;
  /** Bytes in freed blocks waiting for reuse. */
  freeBytes: number;
  /** Temporaries still waiting for reclamation. */
  pendingTemporaries: number;
  /** Completed backward() steps and ticks (DataLoader batches, read-backs). */
  step: number;
  ticks: number;
}

/**
 * Live blocks and bytes in the engine's wasm memory: what to watch when looking for a leak.
 * @example console.log(memoryInfo().liveBytes)
 */
export function memoryInfo(): MemoryInfo {
  return {
    wasmBytes: K().memory.buffer.byteLength,
    liveBytes,
    liveBlocks,
    heapBytes: heapTop - heapStart,
    heapHighWater: Math.max(0, highWater - heapStart),
    freeBytes,
    pendingTemporaries: tempCount,
    step,
    ticks,
  };
}
