/**
 * matmul (PyTorch semantics for 1-D, 2-D and batched operands) and linear, with their gradients,
 * all through the blocked GEMM kernel (assembly/kernels/gemm.ts), whose transpose flags absorb
 * every transposition of the backward pass: no transposed copies are made.
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { gemm } from '../threads.js';
import { fmt, sizeOf } from '../shape.js';
import { sumTo } from './reduce.js';
import { stridedCopy } from './movement.js';

/** C[M×N] (+)= op(A)·op(B) over `batch` consecutive matrices (stride 0 = the same matrix each time). */
function gemmBatched(batch: number, tA: boolean, tB: boolean, M: number, N: number, Kd: number,
  a: Tensor, strideA: number, b: Tensor, strideB: number, c: Tensor, accumulate: boolean): void {
  const ap = a.ptr, bp = b.ptr, cp = c.ptr;
  const lda = tA ? M : Kd, ldb = tB ? Kd : N;
  for (let i = 0; i < batch; i++) {
    gemm(tA ? 1 : 0, tB ? 1 : 0, M, N, Kd, 1, ap + 4 * i * strideA, lda, bp + 4 * i * strideB, ldb,
      accumulate ? 1 : 0, cp + 4 * i * M * N, N);
  }
}

function checkOperand(x: unknown, op: string, name: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.ndim === 0) throw new RangeError(`${op}: ${name} must have at least one dimension, got a 0-d tensor`);
  return x;
}

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
  const nA = sizeOf(batchA), nB = sizeOf(batchB);
  let batchShape: number[];
  if (batchB.length === 0 || (batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]))) batchShape = batchA;
  else if (batchA.length === 0) batchShape = batchB;
  else throw new RangeError(`matmul: batch dims of ${fmt(a.shape)} and ${fmt(b.shape)} must be equal, or one operand must be a matrix`);
  const batch = sizeOf(batchShape);
  const outShape = [...batchShape, M, N];
  const out = Tensor._empty(outShape, 'matmul');
  const sA = nA === 1 && batchA.length === 0 ? 0 : M * Kd, sB = nB === 1 && batchB.length === 0 ? 0 : Kd * N;
  if (batchA.length === 0 && batchB.length > 0) {
    gemmBatched(batch, false, false, M, N, Kd, a2, 0, b2, Kd * N, out, false);
  } else if (batchB.length === 0 && batchA.length > 0) {
    // A stack of matrices times one matrix is one tall GEMM.
    gemmBatched(1, false, false, batch * M, N, Kd, a2, 0, b2, 0, out, false);
  } else {
    gemmBatched(Math.max(batch, 1), false, false, M, N, Kd, a2, sA, b2, sB, out, false);
  }
  let final = out;
  if (a.ndim === 1 && b.ndim === 1) final = out._view([], 'matmul');
  else if (a.ndim === 1) final = out._view([...batchShape, N], 'matmul');
  else if (b.ndim === 1) final = out._view([...batchShape, M], 'matmul');
  return record(final, 'matmul', [a, b], (g) => {
    const g3 = g._view(outShape, 'matmul backward');
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      // dA = dC · Bᵀ
      const full = Tensor._empty(batchA.length === 0 && batchB.length > 0 ? [batch, M, Kd] : [...(batchA.length ? batchA : []), M, Kd], 'matmul backward');
      if (batchA.length === 0 && batchB.length > 0) gemmBatched(batch, false, true, M, Kd, N, g3, M * N, b2, Kd * N, full, false);
      else if (batchB.length === 0) gemmBatched(1, false, true, Math.max(batch, 1) * M, Kd, N, g3, 0, b2, 0, full, false);
      else gemmBatched(batch, false, true, M, Kd, N, g3, M * N, b2, Kd * N, full, false);
      ga = sumTo(full, a2.shape)._view(a.shape, 'matmul backward');
    }
    if (b.requiresGrad) {
      // dB = Aᵀ · dC
      let full: Tensor;
      if (batchB.length === 0 && batchA.length > 0) {
        full = Tensor._empty([Kd, N], 'matmul backward');
        gemmBatched(1, true, false, Kd, N, batch * M, a2, 0, g3, 0, full, false);
      } else if (batchA.length === 0 && batchB.length > 0) {
        full = Tensor._empty([batch, Kd, N], 'matmul backward');
        gemmBatched(batch, true, false, Kd, N, M, a2, 0, g3, M * N, full, false);
      } else {
        full = Tensor._empty([...batchB, Kd, N], 'matmul backward');
        gemmBatched(Math.max(batch, 1), true, false, Kd, N, M, a2, sA, g3, M * N, full, false);
      }
      gb = full._view(b.shape, 'matmul backward');
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
