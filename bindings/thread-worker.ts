/**
 * A worker thread of the pool in threads.ts: instantiates the kernels' wasm module on the shared
 * memory, points its GEMM packing buffers at a scratch block of its own, says 'ready', then loops
 * forever: sleep until its request counter moves, run the kernel named there with the arguments
 * written beside it, publish the counter as done. A request of -1 ends the loop.
 * Runs as a Node worker_threads Worker or a browser module Web Worker.
 */
import { SLOT, REQ, DONE, ERR, FN, NARGS, MAX_ARGS, READY } from './thread-protocol.js';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  scratch: number;
  kernels: string[];
  /** GEMM register tile id (gemm-tile.ts): the same as the main thread's, for the same speed. */
  tile: number;
}

type Port = { postMessage(m: unknown): void; close?(): void };

function serve(start: Start, port: Port): void {
  let exports: Record<string, (...a: number[]) => unknown>;
  try {
    const instance = new WebAssembly.Instance(start.module, {
      env: { memory: start.memory, abort() { throw new Error('wasmgrad: a kernel aborted'); } },
    });
    exports = instance.exports as unknown as typeof exports;
    exports.gemmSetScratch(start.scratch);
    if (start.tile >= 0) exports.gemmSetTile(start.tile);
  } catch (err) {
    port.postMessage(`could not instantiate the module: ${(err as Error).message}`);
    return;
  }
  const slots = start.control.byteLength / (SLOT * 4 + MAX_ARGS * 8);
  const ctl = new Int32Array(start.control, 0, slots * SLOT);
  const args = new Float64Array(start.control, slots * SLOT * 4, slots * MAX_ARGS);
  const base = start.index * SLOT, argBase = start.index * MAX_ARGS;
  // read before saying ready: a request the caller writes after 'ready' must look new
  let seen = Atomics.load(ctl, base + REQ);
  Atomics.store(ctl, base + READY, 1); // a caller in a synchronous loop sees this, not the message
  port.postMessage('ready');
  for (;;) {
    let req = Atomics.load(ctl, base + REQ);
    // a short spin catches back-to-back kernels without a futex round trip
    for (let spin = 0; req === seen && spin < 4000; spin++) req = Atomics.load(ctl, base + REQ);
    while (req === seen) {
      Atomics.wait(ctl, base + REQ, seen);
      req = Atomics.load(ctl, base + REQ);
    }
    if (req < 0) {
      Atomics.store(ctl, base + DONE, -1); // tells stopWorkers this slot is free again
      Atomics.notify(ctl, base + DONE);
      break;
    }
    seen = req;
    try {
      const n = ctl[base + NARGS];
      const a: number[] = new Array(n);
      for (let i = 0; i < n; i++) a[i] = args[argBase + i];
      exports[start.kernels[ctl[base + FN]]](...a);
    } catch (err) {
      ctl[base + ERR] = 1;
      console.error(`wasmgrad worker ${start.index + 1}: ${(err as Error).message}`);
    }
    Atomics.store(ctl, base + DONE, req);
    Atomics.notify(ctl, base + DONE);
  }
  port.close?.();
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  parentPort!.once('message', (start: Start) => serve(start, parentPort!));
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void; close(): void };
  scope.onmessage = (e: MessageEvent) => {
    scope.onmessage = null;
    serve(e.data as Start, { postMessage: (m) => scope.postMessage(m), close: () => scope.close() });
  };
}
