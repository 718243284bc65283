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

export interface ConvTRefOptions { stride: [number, number]; padding: [number, number]; dilation: [number, number]; outputPadding: [number, number] }

/** Transposed convolution as a scatter: x[n, ic, ih, iw]·w[ic, oc, kh, kw] lands at (ih·s − p + kh·d, iw·s − p + kw·d). */
export function convTranspose2dRef(x: Nd, w: Nd, b: Nd | null, o: ConvTRefOptions): Nd {
  const [N, C, H, W] = x.shape, [, OC, KH, KW] = w.shape;
  const OH = (H - 1) * o.stride[0] - 2 * o.padding[0] + o.dilation[0] * (KH - 1) + o.outputPadding[0] + 1;
  const OW = (W - 1) * o.stride[1] - 2 * o.padding[1] + o.dilation[1] * (KW - 1) + o.outputPadding[1] + 1;
  const out = Nd.zeros([N, OC, OH, OW]);
  for (let n = 0; n < N; n++) for (let oc = 0; oc < OC; oc++) for (let i = 0; i < OH * OW; i++) out.data[(n * OC + oc) * OH * OW + i] = b ? b.data[oc] : 0;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let ih = 0; ih < H; ih++) for (let iw = 0; iw < W; iw++) {
    const v = x.data[((n * C + c) * H + ih) * W + iw];
    for (let oc = 0; oc < OC; oc++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const oh = ih * o.stride[0] - o.padding[0] + kh * o.dilation[0];
      const ow = iw * o.stride[1] - o.padding[1] + kw * o.dilation[1];
      if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
      out.data[((n * OC + oc) * OH + oh) * OW + ow] += v * w.data[((c * OC + oc) * KH + kh) * KW + kw];
    }
  }
  return out;
}

/** Layer norm over the last n elements of each row (biased variance). */
export function layerNormRef(x: Nd, n: number, w: Nd | null, b: Nd | null, eps: number): Nd {
  const out = Nd.zeros(x.shape);
  for (let r = 0; r < x.size / n; r++) {
    let m = 0;
    for (let j = 0; j < n; j++) m += x.data[r * n + j];
    m /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x.data[r * n + j] - m) ** 2;
    v /= n;
    const s = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < n; j++) out.data[r * n + j] = (x.data[r * n + j] - m) * s * (w ? w.data[j] : 1) + (b ? b.data[j] : 0);
  }
  return out;
}

/** Batch norm of x [N, C, ...] per channel with the batch's statistics (biased variance), float64. */
export function batchNormRef(x: Nd, w: Nd | null, b: Nd | null, eps: number): Nd {
  const [N, C] = x.shape, S = x.size / (N * C);
  const out = Nd.zeros(x.shape);
  const at = (n: number, c: number, s: number) => (n * C + c) * S + s;
  for (let c = 0; c < C; c++) {
    let m = 0, v = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) m += x.data[at(n, c, s)];
    m /= N * S;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) v += (x.data[at(n, c, s)] - m) ** 2;
    v /= N * S;
    const k = 1 / Math.sqrt(v + eps);
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) out.data[at(n, c, s)] = (x.data[at(n, c, s)] - m) * k * (w ? w.data[c] : 1) + (b ? b.data[c] : 0);
    }
  }
  return out;
}

export interface AttentionRefOptions { mask?: Nd | null; causal?: boolean; scale?: number; drop?: Float64Array | null }

/** The attention probabilities softmax(q·kᵀ·scale + mask) per problem, [B·L·S] flat (B = leading dims). */
export function attentionProbsRef(q: Nd, k: Nd, o: AttentionRefOptions): Float64Array {
  const [L, E] = q.shape.slice(-2), S = k.shape[k.shape.length - 2];
  const B = q.size / (L * E);
  const scale = o.scale ?? 1 / Math.sqrt(E);
  const target = [...q.shape.slice(0, -2), L, S];
  const m = o.mask ? broadcastTo(o.mask, target) : null;
  const p = new Float64Array(B * L * S);
  for (let b = 0; b < B; b++) for (let i = 0; i < L; i++) {
    const row = new Float64Array(S);
    for (let j = 0; j < S; j++) {
      let s = 0;
      for (let e = 0; e < E; e++) s += q.data[(b * L + i) * E + e] * k.data[(b * S + j) * E + e];
      s *= scale;
      if (m) s += m[(b * L + i) * S + j];
      if (o.causal && j > i) s = -Infinity;
      row[j] = s;
    }
    const mx = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < S; j++) { row[j] = Math.exp(row[j] - mx); sum += row[j]; }
    for (let j = 0; j < S; j++) p[(b * L + i) * S + j] = row[j] / sum;
  }
  return p;
}

export function attentionRef(q: Nd, k: Nd, v: Nd, o: AttentionRefOptions): Nd {
  const [L] = q.shape.slice(-2), [S, Ev] = v.shape.slice(-2);
  const p = attentionProbsRef(q, k, o);
  const B = p.length / (L * S);
  const out = Nd.zeros([...q.shape.slice(0, -1), Ev]);
  for (let b = 0; b < B; b++) for (let i = 0; i < L; i++) for (let c = 0; c < Ev; c++) {
    let s = 0;
    for (let j = 0; j < S; j++) {
      const w = p[(b * L + i) * S + j] * (o.drop ? o.drop[(b * L + i) * S + j] : 1);
      s += w * v.data[(b * S + j) * Ev + c];
    }
    out.data[(b * L + i) * Ev + c] = s;
  }
  return out;
}

/** The values of x broadcast to `shape`, row-major. */
export function broadcastTo(x: Nd, shape: number[]): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1), out = new Float64Array(n);
  const off = shape.length - x.shape.length;
  const xs = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    let o = 0;
    for (let d = off; d < shape.length; d++) if (x.shape[d - off] !== 1) o += idx[d] * xs[d - off];
    out[f] = x.data[o];
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return out;
}

/** Bilinear resize of [N, C, H, W] with PyTorch's source coordinates (scale = in/out unless given). */
export function bilinearRef(x: Nd, OH: number, OW: number, alignCorners: boolean, scales?: [number, number]): Nd {
  const [N, C, H, W] = x.shape;
  const out = Nd.zeros([N, C, OH, OW]);
  const src = (o: number, inS: number, outS: number, s?: number) => {
    if (alignCorners) return outS > 1 ? (o * (inS - 1)) / (outS - 1) : 0;
    return Math.max((o + 0.5) * (s !== undefined ? 1 / s : inS / outS) - 0.5, 0);
  };
  for (let p = 0; p < N * C; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const sh = src(oh, H, OH, scales?.[0]), sw = src(ow, W, OW, scales?.[1]);
    const h0 = Math.min(Math.floor(sh), H - 1), w0 = Math.min(Math.floor(sw), W - 1);
    const h1 = Math.min(h0 + 1, H - 1), w1 = Math.min(w0 + 1, W - 1);
    const lh = sh - h0, lw = sw - w0;
    const at = (h: number, w: number) => x.data[(p * H + h) * W + w];
    out.data[(p * OH + oh) * OW + ow] = (1 - lh) * ((1 - lw) * at(h0, w0) + lw * at(h0, w1)) + lh * ((1 - lw) * at(h1, w0) + lw * at(h1, w1));
  }
  return out;
}

/** Nearest resize of the last dim(s) with src = floor(o·in/out) (or with 1/scale). */
export function nearestRef(x: Nd, outSizes: number[], scales?: number[], exact = false): Nd {
  const dims = outSizes.length, lead = x.shape.slice(0, x.shape.length - dims), ins = x.shape.slice(-dims);
  const H = dims === 2 ? ins[0] : 1, W = ins[dims - 1], OH = dims === 2 ? outSizes[0] : 1, OW = outSizes[dims - 1];
  const P = lead.reduce((a, b) => a * b, 1);
  const out = Nd.zeros([...lead, ...outSizes]);
  const idx = (o: number, inS: number, outS: number, s?: number) =>
    Math.min(Math.floor((exact ? o + 0.5 : o) * (s !== undefined ? 1 / s : inS / outS)), inS - 1);
  for (let p = 0; p < P; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const h = dims === 2 ? idx(oh, H, OH, scales?.[0]) : 0, w = idx(ow, W, OW, scales?.[dims - 1]);
    out.data[(p * OH + oh) * OW + ow] = x.data[(p * H + h) * W + w];
  }
  return out;
}

/** Adaptive average pooling of the last two dims. */
export function adaptiveAvgPoolRef(x: Nd, OH: number, OW: number): Nd {
  const lead = x.shape.slice(0, -2), [H, W] = x.shape.slice(-2), P = lead.reduce((a, b) => a * b, 1);
  const out = Nd.zeros([...lead, OH, OW]);
  for (let p = 0; p < P; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const h0 = Math.floor((oh * H) / OH), h1 = Math.ceil(((oh + 1) * H) / OH);
    const w0 = Math.floor((ow * W) / OW), w1 = Math.ceil(((ow + 1) * W) / OW);
    let s = 0;
    for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x.data[(p * H + h) * W + w];
    out.data[(p * OH + oh) * OW + ow] = s / ((h1 - h0) * (w1 - w0));
  }
  return out;
}
