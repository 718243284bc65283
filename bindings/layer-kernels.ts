/**
 * The kernels of the layers family (assembly/kernels/activations.ts, norm.ts, attention.ts,
 * resample.ts), typed. They sit apart from the `Kernels` interface in wasm.ts until the typed
 * kernel boundary lands; then these declarations move there.
 */
import { K } from './wasm.js';

export interface LayerKernels {
  activation(op: number, x: number, y: number, n: number): void;
  activationBackward(op: number, x: number, dy: number, dx: number, n: number): void;
}

/** The loaded module's layer kernels (throws the usual error before init()). */
export function LK(): LayerKernels {
  return K() as unknown as LayerKernels;
}
