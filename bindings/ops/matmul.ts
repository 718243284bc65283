/**
 * matmul (PyTorch semantics for 1-D, 2-D and batched operands) and linear, with their gradients,
 * all through the blocked GEMM kernel (assembly/kernels/gemm.ts), whose transpose flags absorb
 * every transposition of the backward pass: no transposed copies are made.
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { gemm, gemmBatched, getNumThreads } from '../threads.js';
import { broadcastShapes, collapseDims, fmt, sizeOf, stridesOf } from '../shape.js';
import { sumTo } from './reduce.js';
import { stridedCopy } from './movement.js';

/**
 * C_t = op(A_t)·op(B_t) for every item t of `batch` (C contiguous [batch..., M, N]); aStrides and
 * bStrides are the element strides of A's and B's matrices along each batch dim (0 where that
 * operand is broadcast). The items go to the gemmBatched kernel in one call (split over threads
 * by items); only a batch of more than two non-mergeable dims loops here over the outer ones.
 * A batch of a few big matrices instead runs the threaded GEMM per item (split inside each).
 */
function bmm(tA: boolean, tB: boolean, M: number, N: number, Kd: number, a: Tensor, aStrides: number[],
  b: Tensor, bStrides: number[], c: Tensor, batch: readonly number[]): void {
  const lda = tA ? M : Kd, ldb = tB ? Kd : N, ta = tA ? 1 : 0, tb = tB ? 1 : 0;
  const items = sizeOf(batch);
  const ap = a.ptr, bp = b.ptr, cp = c.ptr;
  if (items === 0 || M === 0 || N === 0) return;
  const cStrides = stridesOf(batch).map((s) => s * M * N);
  const { shape, strides: [sa, sb] } = collapseDims(batch, [aStrides, bStrides, cStrides]);
  if (shape.length === 0) {
    gemm(ta, tb, M, N, Kd, 1, ap, lda, bp, ldb, 0, cp, N);
    return;
  }
  if (items < 2 * getNumThreads() && 2 * M * N * Kd >= 1 << 21) {
    // few big items: each GEMM splits itself over the threads
    const st = stridesOf(batch);
    for (let t = 0; t < items; t++) {
      let ao = 0, bo = 0;
      batch.forEach((_, d) => { const i = Math.floor(t / st[d]) % batch[d]; ao += i * aStrides[d]; bo += i * bStrides[d]; });
      gemm(ta, tb, M, N, Kd, 1, ap + 4 * ao, lda, bp + 4 * bo, ldb, 0, cp + 4 * t * M * N, N);
    }
    return;
  }
  // the last two collapsed dims go to the kernel; any dims before them are looped here
  const k = shape.length, n1 = shape[k - 1], n0 = k >= 2 ? shape[k - 2] : 1;
  const sA1 = sa[k - 1], sB1 = sb[k - 1], sA0 = k >= 2 ? sa[k - 2] : 0, sB0 = k >= 2 ? sb[k - 2] : 0;
  const outerShape = shape.slice(0, Math.max(0, k - 2));
  const outer = sizeOf(outerShape), per = n0 * n1;
  const ost = stridesOf(outerShape);
  for (let o = 0; o < outer; o++) {
    let ao = 0, bo = 0;
    outerShape.forEach((_, d) => { const i = Math.floor(o / ost[d]) % outerShape[d]; ao += i * sa[d]; bo += i * sb[d]; });
    gemmBatched(ta, tb, M, N, Kd, 1, ap + 4 * ao, lda, bp + 4 * bo, ldb, 0, cp + 4 * o * per * M * N, N,
      n1, sA0, sA1, sB0, sB1, M * N, per);
  }
}

/** Element strides of an operand's matrices along the broadcast batch dims (0 where it repeats). */
function batchStrides(own: readonly number[], batch: readonly number[], matrix: number): number[] {
  const st = stridesOf(own);
  const off = batch.length - own.length;
  return batch.map((_, i) => (i < off || own[i - off] === 1 ? 0 : st[i - off] * matrix));
}

function checkOperand(x: unknown, op: string, name: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.ndim === 0) throw new RangeError(`${op}: ${name} must have at least one dimension, got a 0-d tensor`);
  return x;
}

/**
 * Matrix product with PyTorch's semantics: 1-D operands are promoted (and the added dim
 * removed), and leading batch dims broadcast ([2,1,3,4] @ [5,4,2] is [2,5,3,2]). Every product,
 * forward and backward, runs on the GEMM kernel, batched in one call.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperand(a, 'matmul', 'input');
  checkOperand(b, 'matmul', 'other');
  // 1-D operands are promoted to matrices and the added dim is removed afterwards (as PyTorch).
  const a2 = a.ndim === 1 ? a._view([1, a.shape[0]], 'matmul') : a;
  const b2 = b.ndim === 1 ? b._view([b.shape[0], 1], 'matmul') : b;
  const M = a2.shape[a2.ndim - 2], Kd = a2.shape[a2.ndim - 1];
  const Kb = b2.shape[b2.ndim - 2], N = b2.shape[b2.ndim - 1];
  if (Kd !== Kb) {
    throw new RangeError(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} are not aligned: ${Kd} (dim -1 of input) != ${Kb} (dim ${b.ndim === 1 ? 0 : -2} of other)`);
  }
  const batchA = a2.shape.slice(0, -2), batchB = b2.shape.slice(0, -2);
  let batchShape: number[];
  try {
    batchShape = broadcastShapes('matmul', batchA, batchB);
  } catch {
    throw new RangeError(`matmul: the batch dims of ${fmt(a.shape)} and ${fmt(b.shape)} (${fmt(batchA)} and ${fmt(batchB)}) cannot be broadcast together`);
  }
  const batch = sizeOf(batchShape);
  const outShape = [...batchShape, M, N];
  const out = Tensor._empty(outShape, 'matmul');
  // a stack of matrices times one matrix is one tall GEMM
  const tall = batchB.length === 0 && batchA.length > 0;
  const sA = batchStrides(batchA, batchShape, M * Kd), sB = batchStrides(batchB, batchShape, Kd * N);
  if (tall) gemm(0, 0, batch * M, N, Kd, 1, a2.ptr, Kd, b2.ptr, N, 0, out.ptr, N);
  else bmm(false, false, M, N, Kd, a2, sA, b2, sB, out, batchShape);
  let final = out;
  if (a.ndim === 1 && b.ndim === 1) final = out._view([], 'matmul');
  else if (a.ndim === 1) final = out._view([...batchShape, N], 'matmul');
  else if (b.ndim === 1) final = out._view([...batchShape, M], 'matmul');
  return record(final, 'matmul', [a, b], (g) => {
    const g3 = g._view(outShape, 'matmul backward');
    const gStrides = stridesOf(batchShape).map((s) => s * M * N);
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      // dA_t = dC_t · B_tᵀ, summed over the batch dims A was broadcast along
      const full = Tensor._empty([...batchShape, M, Kd], 'matmul backward');
      if (tall) gemm(0, 1, batch * M, Kd, N, 1, g3.ptr, N, b2.ptr, N, 0, full.ptr, Kd);
      else bmm(false, true, M, Kd, N, g3, gStrides, b2, sB, full, batchShape);
      ga = sumTo(full, a2.shape)._view(a.shape, 'matmul backward');
    }
    if (b.requiresGrad) {
      // dB_t = A_tᵀ · dC_t, summed over the batch dims B was broadcast along
      let full: Tensor;
      if (tall) {
        full = Tensor._empty([Kd, N], 'matmul backward');
        gemm(1, 0, Kd, N, batch * M, 1, a2.ptr, Kd, g3.ptr, N, 0, full.ptr, N);
      } else {
        full = Tensor._empty([...batchShape, Kd, N], 'matmul backward');
        bmm(true, false, Kd, N, M, a2, sA, g3, gStrides, full, batchShape);
      }
      gb = sumTo(full, b2.shape)._view(b.shape, 'matmul backward');
    }
    return [ga, gb];
  });
}

/** y = x·Wᵀ + b with PyTorch's Linear layout (weight [out, in]); the bias add is fused into GEMM's C. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkOperand(x, 'linear', 'input');
  checkOperand(weight, 'linear', 'weight');
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-D [out, in], got ${fmt(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(`linear: input's last dim ${x.shape[x.ndim - 1]} (shape ${fmt(x.shape)}) does not match weight ${fmt(weight.shape)} (in_features ${inF})`);
  }
  if (bias !== undefined && bias !== null) checkOperand(bias, 'linear', 'bias (a Tensor or null)');
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new RangeError(`linear: bias must have shape [${outF}], got ${fmt(bias.shape)}`);
  }
  const rows = x.size / inF;
  const out = Tensor._empty([...x.shape.slice(0, -1), outF], 'linear');
  // The bias, repeated down the rows (source stride 0), becomes GEMM's C with beta = 1.
  if (bias) stridedCopy(bias, 0, out, 0, [rows, outF], [0, 1], [outF, 1]);
  gemm(0, 1, rows, outF, inF, 1, x.ptr, inF, weight.ptr, inF, bias ? 1 : 0, out.ptr, outF);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, 'linear', inputs, (g) => {
    const grads: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      const gx = Tensor._empty(x.shape, 'linear backward');
      gemm(0, 0, rows, inF, outF, 1, g.ptr, outF, weight.ptr, inF, 0, gx.ptr, inF);
      grads[0] = gx;
    }
    if (weight.requiresGrad) {
      const gw = Tensor._empty(weight.shape, 'linear backward');
      gemm(1, 0, outF, inF, rows, 1, g.ptr, outF, x.ptr, inF, 0, gw.ptr, inF);
      grads[1] = gw;
    }
    if (bias && bias.requiresGrad) grads[2] = sumTo(g, [outF]);
    return grads;
  });
}
