/**
 * The kernels of the layers family (assembly/kernels/activations.ts, norm.ts, attention.ts,
 * resample.ts), typed. They sit apart from the `Kernels` interface in wasm.ts until the typed
 * kernel boundary lands; then these declarations move there.
 */
import { K } from './wasm.js';

export interface LayerKernels {
  activation(op: number, x: number, y: number, n: number): void;
  activationBackward(op: number, x: number, dy: number, dx: number, n: number): void;
  layerNormForward(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number,
    rows: number, n: number, eps: number): void;
  layerNormBackward(dy: number, x: number, gamma: number, mean: number, rstd: number,
    dx: number, dgamma: number, dbeta: number, rows: number, n: number): void;
  layerNormParamGrads(dy: number, x: number, mean: number, rstd: number, dgamma: number, dbeta: number,
    rows: number, cols: number, ld: number): void;
  attentionForward(q: number, k: number, v: number, mask: number, maskOffsets: number, maskRowStride: number,
    maskColStride: number, drop: number, probs: number, out: number, ws: number,
    B: number, L: number, S: number, E: number, Ev: number, scale: number, causal: number): void;
  attentionBackward(q: number, k: number, v: number, probs: number, drop: number, dOut: number,
    dq: number, dk: number, dv: number, dScores: number, ws: number,
    B: number, L: number, S: number, E: number, Ev: number, scale: number): void;
  interpolateForward(x: number, y: number, P: number, H: number, W: number, OH: number, OW: number,
    hi: number, wi: number, hw: number, ww: number, linear: number): void;
  interpolateBackward(dy: number, dx: number, P: number, H: number, W: number, OH: number, OW: number,
    hi: number, wi: number, hw: number, ww: number, linear: number): void;
  adaptiveAvgPool2dForward(x: number, y: number, P: number, H: number, W: number, OH: number, OW: number, hb: number, wb: number): void;
  adaptiveAvgPool2dBackward(dy: number, dx: number, P: number, H: number, W: number, OH: number, OW: number, hb: number, wb: number): void;
}

/** The loaded module's layer kernels (throws the usual error before init()). */
export function LK(): LayerKernels {
  return K() as unknown as LayerKernels;
}
