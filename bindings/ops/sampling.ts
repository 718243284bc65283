/**
 * Sampling ops on the engine's one seeded generator (assembly/kernels/random.ts), so a seed
 * gives the same samples in Node and in browsers: bernoulli, multinomial,
 * and the in-place initialisers normal_ / uniform_. (PyTorch's generator is a different one:
 * the same seed gives other numbers than torch, with the same distributions.)
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { K, f32 } from '../wasm.js';
import { Bin } from './codes.js';
import { fmt } from '../shape.js';
import { binaryRaw } from './elementwise.js';
import { boolArg, show } from '../args.js';

function checkTensor(x: unknown, op: string, param = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${param} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

function checkNumber(v: unknown, op: string, param: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${param} must be a finite number, got ${show(v)}`);
  return v;
}

/** x filled in place with N(mean, std²) samples (x.normal_() / nn.init.normal_). */
export function normal_(x: Tensor, mean = 0, std = 1): Tensor {
  checkInPlace(x, 'normal_');
  checkNumber(mean, 'normal_', 'mean');
  if (checkNumber(std, 'normal_', 'std') < 0) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  K().rngNormal(x.ptr, x.size, mean, std);
  return x;
}

/** x filled in place with U[from, to) samples (x.uniform_() / nn.init.uniform_). */
export function uniform_(x: Tensor, from = 0, to = 1): Tensor {
  checkInPlace(x, 'uniform_');
  checkNumber(from, 'uniform_', 'from');
  if (checkNumber(to, 'uniform_', 'to') < from) throw new RangeError(`uniform_: from (${from}) must not exceed to (${to})`);
  K().rngUniform(x.ptr, x.size, from, to);
  return x;
}

function checkInPlace(x: Tensor, op: string): void {
  checkTensor(x, op);
  if (x._node) throw new Error(`${op}: cannot overwrite a tensor computed by ${x._op} that is part of a graph; fill a leaf (a parameter or a tensor you made)`);
}

/** [min, max] of x's values, and whether any is NaN. */
function range(x: Tensor): { lo: number; hi: number; nan: boolean } {
  const p = x.ptr >>> 2, v = f32();
  let lo = Infinity, hi = -Infinity, nan = false;
  for (let i = 0; i < x.size; i++) {
    const e = v[p + i];
    if (e !== e) nan = true;
    else { if (e < lo) lo = e; if (e > hi) hi = e; }
  }
  return { lo, hi, nan };
}

/**
 * 0/1 samples, 1 with probability input[i] (or with the given p for every element), as
 * torch.bernoulli. The gradient with respect to the probabilities is zero, as PyTorch's.
 */
export function bernoulli(input: Tensor, p?: number): Tensor {
  const op = 'bernoulli';
  checkTensor(input, op);
  if (p !== undefined) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: p must be in [0, 1], got ${show(p)}`);
  } else {
    const r = range(input);
    if (r.nan || (input.size > 0 && (r.lo < 0 || r.hi > 1))) {
      throw new RangeError(`bernoulli: probabilities must be in [0, 1]; input ${fmt(input.shape)} holds values in [${r.lo}, ${r.hi}]${r.nan ? ' and NaN' : ''}`);
    }
  }
  const u = Tensor._empty(input.shape, op);
  K().rngUniform(u.ptr, u.size, 0, 1);
  let prob = input;
  if (p !== undefined) {
    prob = Tensor._empty([], op);
    f32()[prob.ptr >>> 2] = p;
  }
  // u < p (in place) is 1 with probability p, u being uniform on [0, 1)
  const out = binaryRaw(Bin.LT, op, u, prob, u);
  return record(out, op, [input], () => {
    const z = Tensor._like(input, `${op} backward`);
    K().fill(z.ptr, z.size, 0);
    return [z];
  });
}

/** A double in [0, 1) from 53 random bits of the engine's generator. */
function uniform53(): number {
  const k = K();
  const hi = k.rngNextU32() >>> 5, lo = k.rngNextU32() >>> 6;
  return (hi * 67108864 + lo) / 9007199254740992;
}

/**
 * numSamples category indices per row of non-negative weights (1-D [C] or 2-D [N, C]; they
 * need not sum to 1), as torch.multinomial. Without replacement a category is drawn at most
 * once per row. Indices come back as a float tensor of whole numbers.
 */
export function multinomial(input: Tensor, numSamples: number, replacement = false): Tensor {
  const op = 'multinomial';
  checkTensor(input, op);
  if (input.ndim !== 1 && input.ndim !== 2) throw new RangeError(`multinomial: input must be 1-D [C] or 2-D [N, C], got ${fmt(input.shape)}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new RangeError(`multinomial: numSamples must be a positive integer, got ${show(numSamples)}`);
  boolArg(op, 'replacement', replacement);
  const C = input.shape[input.ndim - 1], rows = input.ndim === 2 ? input.shape[0] : 1;
  if (!replacement && numSamples > C) {
    throw new RangeError(`multinomial: cannot draw ${numSamples} samples without replacement from ${C} categories (input ${fmt(input.shape)})`);
  }
  const w = input.data();
  for (let i = 0; i < w.length; i++) {
    if (!(w[i] >= 0) || w[i] === Infinity) throw new RangeError(`multinomial: weights must be finite and non-negative; got ${w[i]} at row ${Math.floor(i / C)}, category ${i % C}`);
  }
  const out = new Float32Array(rows * numSamples);
  const cum = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    const row = Float64Array.from(w.subarray(r * C, (r + 1) * C));
    const nonzero = row.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    if (nonzero === 0) throw new RangeError(`multinomial: row ${r} of the input ${fmt(input.shape)} has no positive weight`);
    if (!replacement && numSamples > nonzero) {
      throw new RangeError(`multinomial: row ${r} has ${nonzero} categories with positive weight, fewer than the ${numSamples} samples asked for without replacement`);
    }
    for (let s = 0; s < numSamples; s++) {
      let total = 0;
      for (let c = 0; c < C; c++) cum[c] = total += row[c];
      const u = uniform53() * total;
      // the first category whose cumulative weight exceeds u (binary search), skipping empty ones
      let lo = 0, hi = C - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] > u) hi = mid; else lo = mid + 1;
      }
      while (row[lo] === 0 && lo > 0) lo--; // u at the very top of the range: the last positive category
      out[r * numSamples + s] = lo;
      if (!replacement) row[lo] = 0;
    }
  }
  const t = Tensor._empty(input.ndim === 2 ? [rows, numSamples] : [numSamples], op);
  f32().set(out, t.ptr >>> 2);
  return t;
}
