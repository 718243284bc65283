import { maxPool2dForward, maxPool2dBackward, maxPool2x2Backward, avgPool2dForward, avgPool2dBackward } from "../kernels/pool";
import { filled, randomArray, ptr, reseed, worstError } from "./testutil";

/** Pooling geometry; OH/OW follow from symmetric padding, plus `extra` rows/cols (ceil_mode-like). */
class Pool {
  OH: i32;
  OW: i32;
  constructor(public P: i32, public H: i32, public W: i32, public KH: i32, public KW: i32, public sH: i32, public sW: i32,
              public pH: i32, public pW: i32, extra: i32) {
    this.OH = (H + 2 * pH - KH) / sH + 1 + extra;
    this.OW = (W + 2 * pW - KW) / sW + 1 + extra;
  }
}

function checkMax(s: Pool, x: StaticArray<f32>): void {
  const nOut = s.P * s.OH * s.OW, nIn = s.P * s.H * s.W;
  const y = filled(nOut, NaN);
  const am = new StaticArray<i32>(max(nOut, 1));
  const dy = randomArray(nOut);
  const yWant = new StaticArray<f64>(max(nOut, 1));
  const dxWant = new StaticArray<f64>(max(nIn, 1));
  const amWant = new StaticArray<i32>(max(nOut, 1));
  for (let p = 0; p < s.P; p++) for (let oh = 0; oh < s.OH; oh++) for (let ow = 0; ow < s.OW; ow++) {
    let best: f32 = -Infinity;
    let bi = -1;
    for (let kh = 0; kh < s.KH; kh++) for (let kw = 0; kw < s.KW; kw++) {
      const h = oh * s.sH - s.pH + kh, w = ow * s.sW - s.pW + kw;
      if (h < 0 || h >= s.H || w < 0 || w >= s.W) continue;
      const v = x[(p * s.H + h) * s.W + w];
      if (bi < 0 || v > best) { best = v; bi = h * s.W + w; }
    }
    const o = (p * s.OH + oh) * s.OW + ow;
    yWant[o] = best;
    amWant[o] = bi;
    if (bi >= 0) dxWant[p * s.H * s.W + bi] += dy[o];
  }
  maxPool2dForward(ptr(x), ptr(y), ptr(am), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW, 0);
  expect<f64>(worstError(y, yWant, nOut, 1e-7)).toBeLessThanOrEqual(1, "max forward");
  let argOk = true;
  for (let o = 0; o < nOut; o++) if (am[o] != amWant[o]) argOk = false;
  expect<bool>(argOk).toBe(true, "max argmax");
  const dx = filled(nIn, NaN);
  maxPool2dBackward(ptr(dy), ptr(am), ptr(dx), s.P, s.H, s.W, s.OH, s.OW);
  expect<f64>(worstError(dx, dxWant, nIn, 1e-6)).toBeLessThanOrEqual(1, "max backward");
  // over a ReLU's output (x >= 0): the same values; a window whose maximum is 0 gets argmax -1
  const xr = new StaticArray<f32>(max(nIn, 1));
  for (let i = 0; i < nIn; i++) xr[i] = x[i] > 0 ? x[i] : 0;
  const yr = filled(nOut, NaN), yPlain = filled(nOut, NaN);
  const amr = new StaticArray<i32>(max(nOut, 1)), amPlain = new StaticArray<i32>(max(nOut, 1));
  maxPool2dForward(ptr(xr), ptr(yPlain), changetype<usize>(amPlain), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW, 0);
  maxPool2dForward(ptr(xr), ptr(yr), changetype<usize>(amr), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW, 1);
  let reluOk = true, dropped = 0;
  for (let o = 0; o < nOut; o++) {
    if (reinterpret<i32>(yr[o]) != reinterpret<i32>(yPlain[o])) reluOk = false;
    const want = yPlain[o] > 0 ? amPlain[o] : -1;
    if (amr[o] != want) reluOk = false;
    if (want < 0) dropped++;
  }
  expect<bool>(reluOk).toBe(true, "max over a ReLU output: same values, argmax -1 where the maximum is 0");
  if (nOut >= 16) expect<i32>(dropped).toBeGreaterThan(0, "some all-zero windows were tested");
  if (s.KH == 2 && s.KW == 2 && s.sH == 2 && s.sW == 2 && s.pH == 0 && s.pW == 0) {
    // the write-once backward for windows that tile the plane: the same bytes as the adds, with
    // the plain argmax and with the ReLU's (-1s), dy's -0s included
    for (let i = 0; i < nOut; i += 7) dy[i] = -0.0;
    expect<bool>(sameBackward(s, dy, am)).toBe(true, "maxPool2x2Backward, plain argmax");
    expect<bool>(sameBackward(s, dy, changetype<StaticArray<i32>>(changetype<usize>(amr)))).toBe(true, "maxPool2x2Backward, ReLU argmax");
  }
}

function sameBackward(s: Pool, dy: StaticArray<f32>, am: StaticArray<i32>): bool {
  const nIn = s.P * s.H * s.W;
  const want = filled(nIn, NaN), got = filled(nIn, NaN);
  maxPool2dBackward(ptr(dy), changetype<usize>(am), ptr(want), s.P, s.H, s.W, s.OH, s.OW);
  maxPool2x2Backward(ptr(dy), changetype<usize>(am), ptr(got), s.P, s.H, s.W, s.OH, s.OW);
  for (let i = 0; i < nIn; i++) if (reinterpret<i32>(got[i]) != reinterpret<i32>(want[i])) return false;
  return true;
}

function checkAvg(s: Pool): void {
  const nOut = s.P * s.OH * s.OW, nIn = s.P * s.H * s.W;
  const x = randomArray(nIn), dy = randomArray(nOut);
  const y = filled(nOut, NaN), dx = filled(nIn, NaN);
  const yWant = new StaticArray<f64>(max(nOut, 1));
  const dxWant = new StaticArray<f64>(max(nIn, 1));
  const inv = 1.0 / <f64>(s.KH * s.KW);
  for (let p = 0; p < s.P; p++) for (let oh = 0; oh < s.OH; oh++) for (let ow = 0; ow < s.OW; ow++) {
    const o = (p * s.OH + oh) * s.OW + ow;
    for (let kh = 0; kh < s.KH; kh++) for (let kw = 0; kw < s.KW; kw++) {
      const h = oh * s.sH - s.pH + kh, w = ow * s.sW - s.pW + kw;
      if (h < 0 || h >= s.H || w < 0 || w >= s.W) continue;
      const i = (p * s.H + h) * s.W + w;
      yWant[o] += <f64>x[i] * inv;
      dxWant[i] += <f64>dy[o] * inv;
    }
  }
  avgPool2dForward(ptr(x), ptr(y), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW);
  expect<f64>(worstError(y, yWant, nOut, 1e-6)).toBeLessThanOrEqual(1, "avg forward");
  avgPool2dBackward(ptr(dy), ptr(dx), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW);
  expect<f64>(worstError(dx, dxWant, nIn, 1e-6)).toBeLessThanOrEqual(1, "avg backward");
}

const shapes: Pool[] = [
  new Pool(3, 8, 8, 2, 2, 2, 2, 0, 0, 0),
  new Pool(2, 7, 9, 3, 3, 2, 2, 1, 1, 0),
  new Pool(2, 5, 6, 3, 2, 1, 1, 0, 1, 0),
  new Pool(1, 1, 1, 1, 1, 1, 1, 0, 0, 0),
  new Pool(2, 13, 13, 2, 2, 2, 2, 0, 0, 1), // ceil_mode: last window hangs over the edge
  new Pool(1, 6, 5, 4, 3, 3, 2, 2, 1, 0),
  new Pool(0, 4, 4, 2, 2, 2, 2, 0, 0, 0),
  // T2's planes (odd and even sides, a row's last windows overlapping the vector before them)
  new Pool(3, 26, 26, 2, 2, 2, 2, 0, 0, 0),
  new Pool(3, 11, 11, 2, 2, 2, 2, 0, 0, 0),
  new Pool(2, 9, 17, 2, 2, 2, 2, 0, 0, 0),
];

describe("pooling", () => {
  it("max pool matches the reference, argmax included", () => {
    reseed(21);
    for (let i = 0; i < shapes.length; i++) {
      const s = shapes[i];
      checkMax(s, randomArray(s.P * s.H * s.W));
    }
  });
  it("max pool ties pick the first maximum in row-major window order", () => {
    const s = new Pool(1, 4, 4, 2, 2, 1, 1, 0, 0, 0);
    const x = filled(16, 1);
    const y = filled(9, 0);
    const am = new StaticArray<i32>(9);
    maxPool2dForward(ptr(x), ptr(y), changetype<usize>(am), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW, 0);
    for (let oh = 0; oh < 3; oh++) for (let ow = 0; ow < 3; ow++) expect<i32>(am[oh * 3 + ow]).toBe(oh * 4 + ow);
    checkMax(s, x);
  });
  it("2x2 stride-2 vector path: ties keep the first element, a later NaN wins", () => {
    const s = new Pool(1, 4, 18, 2, 2, 2, 2, 0, 0, 0);
    const x = filled(72, 1);
    x[1 * 18 + 3] = NaN; // window (0, 1), its last element
    x[2 * 18 + 9] = NaN; // window (1, 4), its second element: the 5 after it does not replace it
    x[3 * 18 + 8] = 5;
    const y = filled(18, 0);
    const am = new StaticArray<i32>(18);
    maxPool2dForward(ptr(x), ptr(y), changetype<usize>(am), s.P, s.H, s.W, s.KH, s.KW, s.sH, s.sW, s.pH, s.pW, s.OH, s.OW, 0);
    expect<i32>(am[0]).toBe(0);
    expect<i32>(am[1]).toBe(1 * 18 + 3);
    expect<bool>(isNaN(y[1])).toBe(true);
    expect<i32>(am[9 + 4]).toBe(2 * 18 + 9);
    expect<i32>(am[9 + 8]).toBe(2 * 18 + 16);
    reseed(23); // its own draw, whatever the tests before consumed
    checkMax(s, randomArray(72));
  });
  it("avg pool counts padding in the divisor", () => {
    reseed(22);
    for (let i = 0; i < shapes.length; i++) checkAvg(shapes[i]);
  });
});
