import {
  conv2dWorkspaceBytes, conv2dForward, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardBias,
  reluBackwardBias,
} from "../kernels/conv2d";
import { Epilogue } from "../abi";
import { filled, randomArray, ptr, reseed, worstError } from "./testutil";

type GradKernel = (a: usize, b: usize, out: usize, ws: usize, N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32,
  KW: i32, sH: i32, sW: i32, pT: i32, pL: i32, dH: i32, dW: i32, OH: i32, OW: i32, part: i32, parts: i32) => void;

/** Whether two outputs are the same bits (the thread split must not change any result). */
function sameBits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): bool {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return false;
  return true;
}

// Splits the kernels are checked with: one part, and three parts run one after another (as
// three threads would run them), which must give the same bits.
const SPLIT = 3;

/** A convolution shape; OH/OW follow from the padding on each side (bottom/right may differ). */
class Shape {
  OH: i32;
  OW: i32;
  constructor(public N: i32, public C: i32, public H: i32, public W: i32, public OC: i32, public KH: i32, public KW: i32,
              public sH: i32, public sW: i32, public pT: i32, public pL: i32, pB: i32, pR: i32,
              public dH: i32, public dW: i32) {
    this.OH = max(0, (H + pT + pB - dH * (KH - 1) - 1) / sH + 1);
    this.OW = max(0, (W + pL + pR - dW * (KW - 1) - 1) / sW + 1);
  }
  get xSize(): i32 { return this.N * this.C * this.H * this.W; }
  get wSize(): i32 { return this.OC * this.C * this.KH * this.KW; }
  get ySize(): i32 { return this.N * this.OC * this.OH * this.OW; }
  /** Runs a backward kernel into a NaN-filled output of `size` and returns its error against gOut. */
  runGradient(kernel: GradKernel, in0: StaticArray<f32>, in1: StaticArray<f32>, size: i32,
              ws: StaticArray<u8>, tol: f64): f64 {
    const out = filled(size, NaN), split = filled(size, NaN);
    kernel(ptr(in0), ptr(in1), ptr(out), changetype<usize>(ws), this.N, this.C, this.H, this.W, this.OC,
      this.KH, this.KW, this.sH, this.sW, this.pT, this.pL, this.dH, this.dW, this.OH, this.OW, 0, 1);
    for (let part = 0; part < SPLIT; part++) {
      kernel(ptr(in0), ptr(in1), ptr(split), changetype<usize>(ws), this.N, this.C, this.H, this.W, this.OC,
        this.KH, this.KW, this.sH, this.sW, this.pT, this.pL, this.dH, this.dW, this.OH, this.OW, part, SPLIT);
    }
    expect<bool>(sameBits(out, split, size)).toBe(true, "split in parts");
    return worstError(out, gOut, size, tol);
  }
  /** Calls f(xIndex, wIndex, yIndex) for every in-range term of the convolution sum, in a fixed order. */
  forEachTerm(f: (xi: i32, wi: i32, yi: i32) => void): void {
    for (let n = 0; n < this.N; n++) for (let oc = 0; oc < this.OC; oc++)
      for (let oh = 0; oh < this.OH; oh++) for (let ow = 0; ow < this.OW; ow++)
        for (let c = 0; c < this.C; c++) for (let kh = 0; kh < this.KH; kh++) for (let kw = 0; kw < this.KW; kw++) {
          const ih = oh * this.sH - this.pT + kh * this.dH, iw = ow * this.sW - this.pL + kw * this.dW;
          if (ih < 0 || ih >= this.H || iw < 0 || iw >= this.W) continue;
          f(((n * this.C + c) * this.H + ih) * this.W + iw, ((oc * this.C + c) * this.KH + kh) * this.KW + kw,
            ((n * this.OC + oc) * this.OH + oh) * this.OW + ow);
        }
  }
}

// forEachTerm's callback cannot capture locals in AssemblyScript, so the operands live here.
let gA: StaticArray<f32> = new StaticArray<f32>(1);
let gB: StaticArray<f32> = new StaticArray<f32>(1);
let gOut: StaticArray<f64> = new StaticArray<f64>(1);

function checkShape(s: Shape, withBias: bool): void {
  const x = randomArray(s.xSize), w = randomArray(s.wSize), bias = randomArray(s.OC), dy = randomArray(s.ySize);
  const ws = new StaticArray<u8>(<i32>max<usize>(conv2dWorkspaceBytes(s.N, s.C, s.H, s.W, s.OC, s.KH, s.KW, s.OH, s.OW), 4));
  const tol = 1e-6 * <f64>(s.C * s.KH * s.KW + s.OC + s.N * s.OH * s.OW + 4);

  // forward: y = conv(x, w) + bias
  const y = filled(s.ySize, NaN);
  gA = x; gB = w; gOut = new StaticArray<f64>(max(s.ySize, 1));
  if (withBias) {
    const plane = s.OH * s.OW;
    for (let i = 0; i < s.ySize; i++) gOut[i] = bias[(i / plane) % s.OC];
  }
  s.forEachTerm((xi, wi, yi) => { gOut[yi] += <f64>gA[xi] * <f64>gB[wi]; });
  conv2dForward(ptr(x), ptr(w), withBias ? ptr(bias) : 0, ptr(y), changetype<usize>(ws),
    s.N, s.C, s.H, s.W, s.OC, s.KH, s.KW, s.sH, s.sW, s.pT, s.pL, s.dH, s.dW, s.OH, s.OW, Epilogue.NONE, 0, 1);
  expect<f64>(worstError(y, gOut, s.ySize, tol)).toBeLessThanOrEqual(1, "forward");
  const ySplit = filled(s.ySize, NaN);
  for (let part = 0; part < SPLIT; part++) {
    conv2dForward(ptr(x), ptr(w), withBias ? ptr(bias) : 0, ptr(ySplit), changetype<usize>(ws),
      s.N, s.C, s.H, s.W, s.OC, s.KH, s.KW, s.sH, s.sW, s.pT, s.pL, s.dH, s.dW, s.OH, s.OW, Epilogue.NONE, part, SPLIT);
  }
  expect<bool>(sameBits(y, ySplit, s.ySize)).toBe(true, "forward split in parts");

  // fused ReLU: the bits of relu (v > 0 ? v : +0) of the plain forward, for any split
  const yRelu = filled(s.ySize, NaN), reluWant = filled(s.ySize, 0);
  for (let i = 0; i < s.ySize; i++) reluWant[i] = y[i] > 0 ? y[i] : 0;
  for (let part = 0; part < SPLIT; part++) {
    conv2dForward(ptr(x), ptr(w), withBias ? ptr(bias) : 0, ptr(yRelu), changetype<usize>(ws),
      s.N, s.C, s.H, s.W, s.OC, s.KH, s.KW, s.sH, s.sW, s.pT, s.pL, s.dH, s.dW, s.OH, s.OW, Epilogue.RELU, part, SPLIT);
  }
  expect<bool>(sameBits(yRelu, reluWant, s.ySize)).toBe(true, "forward with fused relu");

  // dX = Σ dy * w over the terms that read each x; dW = Σ dy * x
  gA = dy; gB = w; gOut = new StaticArray<f64>(max(s.xSize, 1));
  s.forEachTerm((xi, wi, yi) => { gOut[xi] += <f64>gA[yi] * <f64>gB[wi]; });
  expect<f64>(s.runGradient(conv2dBackwardInput, dy, w, s.xSize, ws, tol)).toBeLessThanOrEqual(1, "backward input");
  gA = dy; gB = x; gOut = new StaticArray<f64>(max(s.wSize, 1));
  s.forEachTerm((xi, wi, yi) => { gOut[wi] += <f64>gA[yi] * <f64>gB[xi]; });
  expect<f64>(s.runGradient(conv2dBackwardWeight, x, dy, s.wSize, ws, tol)).toBeLessThanOrEqual(1, "backward weight");

  // db = Σ dy per output channel
  const db = filled(s.OC, NaN);
  const dbWant = new StaticArray<f64>(max(s.OC, 1));
  const plane = s.OH * s.OW;
  for (let i = 0; i < s.ySize; i++) dbWant[(i / plane) % s.OC] += dy[i];
  conv2dBackwardBias(ptr(dy), ptr(db), s.N, s.OC, plane, 0, s.OC);
  expect<f64>(worstError(db, dbWant, s.OC, tol)).toBeLessThanOrEqual(1, "backward bias");
  const dbSplit = filled(s.OC, NaN);
  conv2dBackwardBias(ptr(dy), ptr(dbSplit), s.N, s.OC, plane, 0, s.OC / 2);
  conv2dBackwardBias(ptr(dy), ptr(dbSplit), s.N, s.OC, plane, s.OC / 2, s.OC);
  expect<bool>(sameBits(db, dbSplit, s.OC)).toBe(true, "backward bias split by channel");

  // through the fused relu: g = yRelu > 0 ? dy : 0, and db the bias gradient of g, bit for bit
  const g = filled(s.ySize, NaN), gWant = filled(s.ySize, 0), dbRelu = filled(s.OC, NaN), dbOfG = filled(s.OC, NaN);
  for (let i = 0; i < s.ySize; i++) gWant[i] = yRelu[i] > 0 ? dy[i] : 0;
  reluBackwardBias(ptr(dy), ptr(yRelu), ptr(g), ptr(dbRelu), s.N, s.OC, plane, 0, s.OC / 2);
  reluBackwardBias(ptr(dy), ptr(yRelu), ptr(g), ptr(dbRelu), s.N, s.OC, plane, s.OC / 2, s.OC);
  conv2dBackwardBias(ptr(gWant), ptr(dbOfG), s.N, s.OC, plane, 0, s.OC);
  expect<bool>(sameBits(g, gWant, s.ySize)).toBe(true, "relu gradient");
  expect<bool>(sameBits(dbRelu, dbOfG, s.OC)).toBe(true, "bias gradient through relu");
}

describe("conv2d", () => {
  it("plain 3x3, no padding, odd sizes", () => {
    reseed(11);
    checkShape(new Shape(2, 3, 7, 9, 5, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1), true);
    checkShape(new Shape(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1), false);
  });
  it("single input channel first layer (C = 1)", () => {
    reseed(12);
    checkShape(new Shape(3, 1, 28, 28, 8, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1), true);
    checkShape(new Shape(2, 1, 13, 11, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1), true);
  });
  it("stride, padding and dilation", () => {
    reseed(13);
    checkShape(new Shape(2, 3, 11, 10, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1), true);
    checkShape(new Shape(1, 2, 12, 13, 3, 3, 2, 2, 3, 1, 0, 1, 2, 1, 1), false);
    checkShape(new Shape(2, 2, 9, 11, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2), true);
    checkShape(new Shape(1, 3, 15, 14, 2, 2, 3, 3, 2, 0, 1, 0, 1, 3, 2), true);
  });
  it("asymmetric 'same' padding (extra on bottom/right)", () => {
    reseed(14);
    checkShape(new Shape(2, 3, 8, 9, 4, 4, 4, 1, 1, 1, 1, 2, 2, 1, 1), true);
    checkShape(new Shape(1, 2, 7, 6, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1), true);
  });
  it("1x1 kernels, kernels as large as the input, padding larger than the kernel", () => {
    reseed(15);
    checkShape(new Shape(2, 5, 6, 7, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1), true);
    checkShape(new Shape(2, 4, 5, 5, 3, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1), false);
    checkShape(new Shape(2, 3, 4, 6, 2, 4, 6, 1, 1, 0, 0, 0, 0, 1, 1), true);
    checkShape(new Shape(1, 2, 3, 3, 2, 2, 2, 1, 1, 3, 3, 3, 3, 1, 1), true);
  });
  it("larger channel counts (GEMM blocks)", () => {
    reseed(16);
    checkShape(new Shape(2, 17, 9, 9, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true);
    // 40 or more output channels: forward's plain product (fewer take the transposed one)
    checkShape(new Shape(3, 6, 8, 8, 41, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true);
    checkShape(new Shape(1, 4, 7, 9, 40, 2, 3, 1, 1, 0, 0, 0, 0, 1, 1), false);
  });
  it("empty batch: forward is a no-op, gradients are zero", () => {
    reseed(17);
    checkShape(new Shape(0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true);
  });
});
