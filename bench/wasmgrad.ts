// The benchmark's direct line to the kernels: dist/wasmgrad.wasm instantiated on its own (no
// bindings), with a bump allocator from heapBase() upward that grows memory as needed.
import { readFile } from 'node:fs/promises';

export interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  simdPeak(iters: number): number;
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
}

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
