/**
 * Float64 reference implementations of the engine's ops, written the naive way (plain loops,
 * no blocking, no SIMD), for checking kernels and for finite-difference gradient checks.
 */

export class Nd {
  constructor(readonly shape: number[], readonly data: Float64Array) {
    if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`Nd: ${data.length} values for shape [${shape}]`);
  }
  static zeros(shape: number[]): Nd {
    return new Nd(shape, new Float64Array(shape.reduce((a, b) => a * b, 1)));
  }
  static from(shape: number[], values: ArrayLike<number>): Nd {
    return new Nd(shape, Float64Array.from(values));
  }
  get size(): number { return this.data.length; }
  map(f: (v: number) => number): Nd { return new Nd(this.shape, this.data.map(f)); }
}

export function strides(shape: number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Visits every multi-index of shape in row-major order. */
export function forEachIndex(shape: number[], fn: (idx: number[], flat: number) => void): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    fn(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

export function broadcastBinary(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const n = Math.max(a.shape.length, b.shape.length);
  const pa = [...Array(n - a.shape.length).fill(1), ...a.shape];
  const pb = [...Array(n - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const sa = strides(pa), sb = strides(pb);
  const out = Nd.zeros(shape);
  forEachIndex(shape, (idx, flat) => {
    let ia = 0, ib = 0;
    idx.forEach((v, d) => { ia += (pa[d] === 1 ? 0 : v) * sa[d]; ib += (pb[d] === 1 ? 0 : v) * sb[d]; });
    out.data[flat] = f(a.data[ia], b.data[ib]);
  });
  return out;
}

export function reduceAxes(x: Nd, axes: number[], keepdim: boolean, init: number, f: (acc: number, v: number) => number): Nd {
  const outShapeKeep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Nd(outShapeKeep, new Float64Array(outShapeKeep.reduce((a, b) => a * b, 1)).fill(init));
  const so = strides(outShapeKeep);
  forEachIndex(x.shape, (idx, flat) => {
    let o = 0;
    idx.forEach((v, d) => { o += (axes.includes(d) ? 0 : v) * so[d]; });
    out.data[o] = f(out.data[o], x.data[flat]);
  });
  return keepdim ? out : new Nd(x.shape.filter((_, i) => !axes.includes(i)), out.data);
}

export function softmaxRef(x: Nd, axis: number, log: boolean): Nd {
  const mx = reduceAxes(x, [axis], true, -Infinity, Math.max);
  const e = broadcastBinary(x, mx, (a, m) => Math.exp(a - m));
  const s = reduceAxes(e, [axis], true, 0, (a, v) => a + v);
  if (!log) return broadcastBinary(e, s, (a, b) => a / b);
  const lse = broadcastBinary(mx, s, (m, v) => m + Math.log(v));
  return broadcastBinary(x, lse, (a, b) => a - b);
}

export function matmulRef(a: Nd, b: Nd): Nd {
  const [M, K] = a.shape, N = b.shape[1];
  const out = Nd.zeros([M, N]);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a.data[i * K + k] * b.data[k * N + j];
    out.data[i * N + j] = s;
  }
  return out;
}

export function permuteRef(x: Nd, p: number[]): Nd {
  const shape = p.map((d) => x.shape[d]);
  const sx = strides(x.shape);
  const out = Nd.zeros(shape);
  forEachIndex(shape, (idx, flat) => {
    let o = 0;
    idx.forEach((v, i) => { o += v * sx[p[i]]; });
    out.data[flat] = x.data[o];
  });
  return out;
}

export interface ConvRefOptions { stride: [number, number]; padTop: number; padLeft: number; dil: [number, number]; OH: number; OW: number }

export function conv2dRef(x: Nd, w: Nd, b: Nd | null, o: ConvRefOptions): Nd {
  const [N, C, H, W] = x.shape, [OC, , KH, KW] = w.shape;
  const out = Nd.zeros([N, OC, o.OH, o.OW]);
  for (let n = 0; n < N; n++) for (let oc = 0; oc < OC; oc++) for (let oh = 0; oh < o.OH; oh++) for (let ow = 0; ow < o.OW; ow++) {
    let s = b ? b.data[oc] : 0;
    for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * o.stride[0] - o.padTop + kh * o.dil[0];
      const iw = ow * o.stride[1] - o.padLeft + kw * o.dil[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      s += x.data[((n * C + c) * H + ih) * W + iw] * w.data[((oc * C + c) * KH + kh) * KW + kw];
    }
    out.data[((n * OC + oc) * o.OH + oh) * o.OW + ow] = s;
  }
  return out;
}

export function poolRef(x: Nd, k: [number, number], s: [number, number], p: [number, number], mode: 'max' | 'avg'): Nd {
  const lead = x.shape.slice(0, -2);
  const [H, W] = x.shape.slice(-2);
  const OH = Math.floor((H + 2 * p[0] - k[0]) / s[0]) + 1, OW = Math.floor((W + 2 * p[1] - k[1]) / s[1]) + 1;
  const P = lead.reduce((a, b) => a * b, 1);
  const out = Nd.zeros([...lead, OH, OW]);
  for (let q = 0; q < P; q++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let best = -Infinity, sum = 0;
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) {
      const ih = oh * s[0] - p[0] + i, iw = ow * s[1] - p[1] + j;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const v = x.data[(q * H + ih) * W + iw];
      best = Math.max(best, v);
      sum += v;
    }
    out.data[(q * OH + oh) * OW + ow] = mode === 'max' ? best : sum / (k[0] * k[1]);
  }
  return out;
}

/** Central finite differences of a scalar function of several float64 inputs. */
export function numericGrads(f: (inputs: Nd[]) => number, inputs: Nd[], h = 1e-6): Nd[] {
  return inputs.map((x) => {
    const g = Nd.zeros(x.shape);
    for (let i = 0; i < x.size; i++) {
      const keep = x.data[i];
      x.data[i] = keep + h;
      const up = f(inputs);
      x.data[i] = keep - h;
      const down = f(inputs);
      x.data[i] = keep;
      g.data[i] = (up - down) / (2 * h);
    }
    return g;
  });
}
