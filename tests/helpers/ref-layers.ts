/**
 * Float64 references of the layers family, written the naive way (plain loops), for forward
 * checks and finite-difference gradients: erf and the activations built on it, transposed
 * convolution, interpolation, adaptive pooling, layer norm and attention.
 */
import { Nd, softmaxRef } from './ref.js';

/** erf in float64: its Maclaurin series below 2.5, the continued fraction of erfc above. */
export function erfRef(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = x, sum = x;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = a;
  for (let n = 80; n >= 1; n--) f = a + (n / 2) / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Φ(x) = ½(1 + erf(x/√2)), through erfc for the far left tail (no cancellation). */
export function normalCdfRef(x: number): number {
  const z = x / Math.SQRT2;
  if (z < -2.5) {
    let f = -z;
    for (let n = 80; n >= 1; n--) f = -z + (n / 2) / f;
    return 0.5 * Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return 0.5 * (1 + erfRef(z));
}

export const geluRef = (x: number): number => x * normalCdfRef(x);
/** ½x(1 + tanh u) written as x·σ(2u), which does not cancel in float64 for negative x. */
export const geluTanhRef = (x: number): number =>
  x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
export const siluRef = (x: number): number => x / (1 + Math.exp(-x));

export { Nd, softmaxRef };
