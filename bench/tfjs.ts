// The reference engine: @tensorflow/tfjs (the full package, so gradients are registered) on
// @tensorflow/tfjs-backend-wasm, pinned to one thread to match wasmgrad's single thread.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export type Tf = typeof tf;

export async function loadTfjsWasm(): Promise<Tf> {
  setThreadsCount(1); // must precede backend initialisation
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  await tf.ready();
  return tf;
}

/**
 * Wraps an eager tfjs computation so every tensor it makes is freed; the wasm backend runs its
 * kernels synchronously inside the op calls, so the time spent here is the compute.
 */
export function tidied(t: Tf, body: () => unknown): () => void {
  return () => t.tidy(() => { body(); });
}
