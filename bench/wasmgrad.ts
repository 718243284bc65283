// The benchmark's direct line to the kernels: dist/wasmgrad.wasm instantiated on its own (no
// bindings), with a bump allocator from heapBase() upward that grows memory as needed.
import { readFile } from 'node:fs/promises';

import type { Kernels as EngineKernels } from '../bindings/wasm.js';

/** The engine's kernel table (one definition, in bindings/wasm.ts), with the peak probe present. */
export type Kernels = EngineKernels & { simdPeak(iters: number): number };

export class WasmHeap {
  private top: number;
  constructor(readonly k: Kernels) {
    this.top = align(k.heapBase());
  }
  /** A fresh 64-byte-aligned block of `bytes`; blocks are never freed (the bench is short-lived). */
  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + Math.max(bytes, 4));
    const short = this.top - this.k.memory.buffer.byteLength;
    if (short > 0) this.k.memory.grow(Math.ceil(short / 65536));
    return p;
  }
  /** A block of n f32 holding uniform random values in [-1, 1). */
  randomF32(n: number): number {
    const p = this.alloc(n * 4);
    const view = new Float32Array(this.k.memory.buffer, p, n);
    for (let i = 0; i < n; i++) view[i] = Math.random() * 2 - 1;
    return p;
  }
}

function align(p: number): number {
  return (p + 63) & ~63;
}

// WASMGRAD_WASM points the bench at another build (e.g. a candidate kernel compiled to /tmp), so
// kernel variants can be compared without rebuilding the shared dist/.
export async function loadKernels(): Promise<Kernels> {
  const bytes = await readFile(process.env.WASMGRAD_WASM ?? new URL('../wasmgrad.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { abort() { throw new Error('abort'); } },
  });
  return instance.exports as unknown as Kernels;
}
