/**
 * Selection by mask: where, maskedFill, tril, triu, with their gradient rules.
 * Kernels: assembly/kernels/select.ts (they copy bits, so −inf and NaN fill values are exact).
 * Masks are float tensors (the engine has one dtype): non-zero selects, as a bool mask would.
 */
import { Tensor, TensorLike } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { broadcastShapes, fmt, sameShape, sizeOf, Shape } from '../shape.js';
import { sumTo } from './reduce.js';
import { broadcastRaw } from './shaping.js';
import { show } from '../args.js';

function checkTensor(x: unknown, op: string, param: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${param} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

function checkValue(v: unknown, op: string, param: string): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${param} must be a number, got ${v instanceof Tensor ? 'a Tensor' : typeof v}`);
  return v;
}

/** A number filled over `shape` (no gradient). */
function filled(shape: Shape, value: number, op: string): Tensor {
  const t = Tensor._empty(shape, op);
  K().fill(t.ptr, t.size, value);
  return t;
}

/**
 * condition ? input : other, elementwise, broadcasting all three (PyTorch's torch.where).
 * input/other may be numbers; the gradient of each flows where it was chosen.
 */
export function where(condition: Tensor, input: TensorLike, other: TensorLike): Tensor {
  const op = 'where';
  const cond = checkTensor(condition, op, 'condition');
  if (!(input instanceof Tensor)) checkValue(input, op, 'input');
  if (!(other instanceof Tensor)) checkValue(other, op, 'other');
  const xs = input instanceof Tensor ? input.shape : [];
  const ys = other instanceof Tensor ? other.shape : [];
  let shape: Shape;
  try {
    shape = broadcastShapes(op, broadcastShapes(op, cond.shape, xs), ys);
  } catch {
    throw new RangeError(`where: condition ${fmt(cond.shape)}, input ${fmt(xs)} and other ${fmt(ys)} cannot be broadcast together`);
  }
  const c = broadcastRaw(cond, shape, op);
  const out = Tensor._empty(shape, op);
  if (typeof input === 'number') {
    const b = other instanceof Tensor ? broadcastRaw(other, shape, op) : filled(shape, other as number, op);
    K().whereScalar(c.ptr, input, b.ptr, out.ptr, out.size);
  } else {
    const a = broadcastRaw(input, shape, op);
    const b = other instanceof Tensor ? broadcastRaw(other, shape, op) : filled(shape, other as number, op);
    K().where(c.ptr, a.ptr, b.ptr, out.ptr, out.size);
  }
  const inputs = [input, other].filter((t): t is Tensor => t instanceof Tensor);
  return record(out, op, inputs, (g) => {
    const grads: (Tensor | null)[] = [];
    if (input instanceof Tensor) grads.push(input.requiresGrad ? sumTo(selectGrad(c, g, true), input.shape) : null);
    if (other instanceof Tensor) grads.push(other.requiresGrad ? sumTo(selectGrad(c, g, false), other.shape) : null);
    return grads;
  });
}

/** g where the mask chose this side (mask non-zero: `whereTrue`), zero elsewhere. */
function selectGrad(mask: Tensor, g: Tensor, whereTrue: boolean): Tensor {
  const out = Tensor._like(g, 'where backward');
  if (whereTrue) {
    const zeros = filled(g.shape, 0, 'where backward');
    K().where(mask.ptr, g.ptr, zeros.ptr, out.ptr, out.size);
  } else {
    K().whereScalar(mask.ptr, 0, g.ptr, out.ptr, out.size);
  }
  return out;
}

/** input with `value` wherever mask is non-zero (mask broadcasts with input, as in PyTorch). */
export function maskedFill(input: Tensor, mask: Tensor, value: number): Tensor {
  const op = 'maskedFill';
  const x = checkTensor(input, op, 'input');
  const m = checkTensor(mask, op, 'mask');
  checkValue(value, op, 'value');
  let shape: Shape;
  try {
    shape = sameShape(x.shape, m.shape) ? x.shape : broadcastShapes(op, x.shape, m.shape);
  } catch {
    throw new RangeError(`maskedFill: mask ${fmt(m.shape)} cannot be broadcast to the input's shape ${fmt(x.shape)}`);
  }
  const mb = broadcastRaw(m, shape, op);
  const xb = broadcastRaw(x, shape, op);
  const out = Tensor._empty(shape, op);
  K().whereScalar(mb.ptr, value, xb.ptr, out.ptr, out.size);
  return record(out, op, [x], (g) => [sumTo(selectGrad(mb, g, false), x.shape)]);
}

function triangle(x: Tensor, diagonal: number, upper: boolean): Tensor {
  const op = upper ? 'triu' : 'tril';
  checkTensor(x, op, 'input');
  if (x.ndim < 2) throw new RangeError(`${op}: input must have at least 2 dimensions, got shape ${fmt(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new TypeError(`${op}: diagonal must be an integer, got ${show(diagonal)}`);
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1];
  const batch = sizeOf(x.shape.slice(0, -2));
  // the kernel takes an i32: a diagonal past every row and column means the same as one just past them
  const k = Math.min(Math.max(diagonal, -rows - 1), cols + 1);
  const run = (src: Tensor, name: string): Tensor => {
    const y = Tensor._like(src, name);
    K().triangle(src.ptr, y.ptr, batch, rows, cols, k, upper ? 1 : 0);
    return y;
  };
  const out = run(x, op);
  return record(out, op, [x], (g) => [run(g, `${op} backward`)]);
}

/** The lower triangle of the last two dims: elements with column − row <= diagonal; zero above. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false);
/** The upper triangle of the last two dims: elements with column − row >= diagonal; zero below. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true);

