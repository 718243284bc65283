/**
 * The Tensor: a float32, row-major, contiguous block of wasm memory with a shape, plus what
 * autodiff needs (requiresGrad, grad, and the node of the op that made it).
 * Ops live in ops/; the methods here are thin forwards to them so both `a.add(b)` and
 * `add(a, b)` work.
 */
import { f32, K } from './wasm.js';
import { Handle, track, release, now, tick, makeKept, factoryLeaf } from './memory.js';
import { Shape, checkShape, fmt, sizeOf } from './shape.js';
import type { GradNode } from './autograd.js';
import * as ops from './ops/index.js';

export type NestedArray = number | NestedArray[];
export type TensorLike = Tensor | number;

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** @internal backs requiresGrad. */
  _rg = false;
  grad: Tensor | null = null;
  /** @internal the op that made this tensor (null for leaves); set by autograd. */
  _node: GradNode | null = null;
  /** @internal name of the op that made it, for error messages. */
  _op: string;
  /** @internal liveness of the underlying storage. */
  _h: Handle;
  /** @internal backward(): the visit mark of its graph walk, and the gradient waiting to flow back. */
  _visit = 0;
  _pendingGrad: Tensor | null = null;

  /**
   * @internal use the factory functions (tensor, zeros, ...) or ops instead.
   * The shape array is taken, not copied: shapes are never mutated once a tensor has one, so
   * an op's output may share its input's array. (Not frozen: frozen arrays leave V8's fast
   * elements mode and every shape read pays for it.)
   */
  constructor(shape: Shape, viewOf: Handle | null, temp: boolean, op: string, size = sizeOf(shape)) {
    this.shape = shape;
    this.size = size;
    this._op = op;
    this._h = track(this, size * 4, temp, viewOf, op, shape);
  }

  /**
   * @internal an uninitialised tensor of the given shape (the array is taken, not copied).
   * `temp` false is for factories: persistent during the program's set-up, a temporary after
   * its first backward() or inside noGrad()/tidy() (see memory.ts).
   */
  static _empty(shape: Shape, op: string, temp = true): Tensor {
    return new Tensor(shape, null, temp, op);
  }

  /** @internal an uninitialised temporary of x's shape (sharing x's shape array). */
  static _like(x: Tensor, op: string): Tensor {
    return new Tensor(x.shape, null, true, op, x.size);
  }

  /** @internal a new tensor sharing this one's memory (reshape, detach). */
  _view(shape: Shape, op: string): Tensor {
    this.ptr; // checks liveness and marks use
    return new Tensor(shape, this._h, true, op);
  }

  /** @internal byte address of the data; throws if the memory was reclaimed. */
  get ptr(): number {
    const h = this._h;
    if (h.released) {
      throw new Error(`wasmgrad: a tensor of shape ${fmt(this.shape)} (made by ${this._op}) was used after its memory was reclaimed: ${h.releasedBy}. Call .keep() on tensors you reuse later, or return them from the noGrad()/tidy() callback.`);
    }
    h.lastUse = now();
    return h.ptr;
  }

  /**
   * Whether autodiff tracks this tensor. Setting it on a tensor a factory made (randn(...,
   * { requiresGrad: true }), or x.requiresGrad = true) makes it persistent even inside a loop:
   * a leaf you differentiate with respect to is one you come back to (see memory.ts).
   */
  get requiresGrad(): boolean {
    return this._rg;
  }

  set requiresGrad(flag: boolean) {
    this._rg = flag;
    if (flag) factoryLeaf(this, this._h);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this._h.released;
  }

  /** A Float32Array copy of the data. A read-back is a tick of the memory clock (memory.ts). */
  data(): Float32Array {
    const out = this._read();
    tick();
    return out;
  }

  /** @internal a copy of the data for library code, without a tick (e.g. mid-step checks). */
  _read(): Float32Array {
    const p = this.ptr >>> 2;
    return f32().slice(p, p + this.size);
  }

  /** The data as nested JavaScript arrays (a number for a 0-d tensor). A read-back: a tick (memory.ts). */
  toArray(): NestedArray {
    return this._toArray(this.data());
  }

  /** @internal nests a flat copy of this tensor's data by its shape. */
  _toArray(flat: Float32Array): NestedArray {
    if (this.shape.length === 0) return flat[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = flat[offset + i];
        return out;
      }
      const stride = sizeOf(this.shape.slice(dim + 1));
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: the tensor has ${this.size} elements (shape ${fmt(this.shape)}); item() needs exactly one`);
    const value = f32()[this.ptr >>> 2];
    tick();
    return value;
  }

  /** Keeps this tensor alive until dispose() (or garbage collection), exempt from every reclamation rule. */
  keep(): this {
    this.ptr;
    makeKept(this, this._h);
    return this;
  }

  /** Frees the memory now; later use throws. */
  dispose(): void {
    release(this._h, 'dispose() was called on it');
    if (this.grad) this.grad.dispose();
  }

  /** A new leaf sharing this tensor's memory, cut from the graph. */
  detach(): Tensor {
    return this._view(this.shape, 'detach');
  }

  /** Sets requiresGrad in place (only on leaves) and returns this tensor. */
  requiresGrad_(flag = true): this {
    if (this._node && !flag) throw new Error('requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  clone(): Tensor { return ops.clone(this); }
  backward(gradient?: Tensor): void { ops.backward(this, gradient); }

  add(other: TensorLike): Tensor { return ops.add(this, other); }
  sub(other: TensorLike): Tensor { return ops.sub(this, other); }
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  pow(exponent: TensorLike): Tensor { return ops.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }

  neg(): Tensor { return ops.neg(this); }
  square(): Tensor { return ops.square(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  leakyRelu(negativeSlope = 0.01): Tensor { return ops.leakyRelu(this, negativeSlope); }
  tanh(): Tensor { return ops.tanh(this); }
  softplus(): Tensor { return ops.softplus(this); }
  erf(): Tensor { return ops.erf(this); }
  gelu(options?: ops.GeluOptions): Tensor { return ops.gelu(this, options); }
  silu(): Tensor { return ops.silu(this); }
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }

  sum(dim?: number | number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number | number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  max(dim?: number, keepdim = false): Tensor { return ops.max(this, dim, keepdim); }
  min(dim?: number, keepdim = false): Tensor { return ops.min(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }

  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  reshape(...shape: (number | number[])[]): Tensor { return ops.reshape(this, shape.flat()); }
  view(...shape: (number | number[])[]): Tensor { return ops.reshape(this, shape.flat()); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: number[]): Tensor { return ops.unflatten(this, dim, sizes); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return ops.squeeze(this, dim); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return ops.transpose(this, dim0, dim1); }
  get T(): Tensor { return ops.transpose(this, -2, -1); }
  permute(...dims: (number | number[])[]): Tensor { return ops.permute(this, dims.flat()); }
  slice(dim: number, start: number, end?: number, step = 1): Tensor { return ops.slice(this, dim, start, end, step); }
  indexSelect(indices: ArrayLike<number> | Tensor): Tensor { return ops.gatherRows(this, indices); }

  // In-place updates (for optimiser-style code inside noGrad); they do not record gradients.
  add_(other: TensorLike, alpha = 1): this { ops.inPlace(this, 'add_', other, alpha); return this; }
  sub_(other: TensorLike, alpha = 1): this { ops.inPlace(this, 'sub_', other, -alpha); return this; }
  mul_(other: TensorLike): this { ops.inPlaceMul(this, other); return this; }
  zero_(): this { return this.fill_(0); }
  fill_(value: number): this { K().fill(this.ptr, this.size, value); return this; }
  copy_(src: Tensor): this { ops.copyInto(this, src); return this; }

  toString(): string {
    const body = this.size <= 64 ? JSON.stringify(this._toArray(this._read())) : `${this.size} values`;
    return `tensor(${body}, shape=${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad=true' : ''})`;
  }
}

// ---- factories: the tensors you make yourself are persistent (see memory.ts) -------------------

function flattenNested(data: NestedArray, op: string): { shape: number[]; values: number[] } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const values: number[] = [];
  const walk = (x: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number') throw new TypeError(`${op}: expected a number at data${path}, got ${Array.isArray(x) ? 'an array' : typeof x}`);
      values.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new RangeError(`${op}: ragged nested array: data${path} should have length ${shape[dim]}, got ${Array.isArray(x) ? x.length : typeof x}`);
    }
    x.forEach((v, i) => walk(v, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { shape, values };
}

export interface TensorOptions {
  requiresGrad?: boolean;
  /** Shape for flat data (typed arrays or flat number arrays); default: inferred. */
  shape?: number[];
}

export function fromValues(values: ArrayLike<number>, shape: Shape, op: string, temp = false): Tensor {
  if (values.length !== sizeOf(shape)) {
    throw new RangeError(`${op}: ${values.length} values do not fill shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
  }
  const t = Tensor._empty(shape, op, temp);
  f32().set(values, t.ptr >>> 2);
  return t;
}

/** A tensor from a number, nested arrays, or a typed array. */
export function tensor(data: NestedArray | ArrayLike<number> | ArrayBufferView, options: TensorOptions = {}): Tensor {
  let shape: number[];
  let values: ArrayLike<number>;
  if (ArrayBuffer.isView(data)) {
    values = data as unknown as ArrayLike<number>;
    shape = [values.length];
  } else if (typeof data === 'number') {
    values = [data];
    shape = [];
  } else if (Array.isArray(data)) {
    ({ shape, values } = flattenNested(data as NestedArray, 'tensor'));
  } else {
    throw new TypeError(`tensor: data must be a number, a nested array or a typed array, got ${typeof data}`);
  }
  if (options.shape) shape = checkShape(options.shape, 'tensor', 'options.shape');
  const t = fromValues(values, shape, 'tensor');
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

export function full(shape: number[], value: number, options: TensorOptions = {}): Tensor {
  const s = checkShape(shape, 'full');
  const t = Tensor._empty(s, 'full', false);
  K().fill(t.ptr, t.size, value);
  t.requiresGrad = !!options.requiresGrad;
  return t;
}

export function zeros(shape: number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor): Tensor { return zeros(t.shape.slice()); }
export function onesLike(t: Tensor): Tensor { return ones(t.shape.slice()); }

/** Values start, start+step, ... below end (PyTorch's arange). */
export function arange(start: number, end?: number, step = 1): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return fromValues(values, [n], 'arange');
}

/** `steps` evenly spaced values from start to end inclusive (computed in float64). */
export function linspace(start: number, end: number, steps: number): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const values = new Float32Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) values[i] = i === steps - 1 && steps > 1 ? end : start + i * step;
  return fromValues(values, [steps], 'linspace');
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
