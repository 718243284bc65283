/**
 * The Tensor: a float32, row-major, contiguous block of wasm memory with a shape, plus what
 * autodiff needs (requiresGrad, grad, and the node of the op that made it).
 * Ops live in ops/; the methods here are thin forwards to them so both `a.add(b)` and
 * `add(a, b)` work.
 */
import { f32, K } from './wasm.js';
import { Handle, track, release, now, tick, makeKept, factoryLeaf } from './memory.js';
import { Shape, fmt, normAxis, sizeOf } from './shape.js';
import { boolArg, checkDims, checkOptions, intArg, isPlainObject, keysOf, numberArg, show, sizeArgs } from './args.js';
import type { GradNode } from './autograd.js';
import * as ops from './ops/index.js';

/**
 * Nested arrays of numbers, as `tensor()` takes them (every row the same length).
 * @example const rows: NestedArray = [[1, 2], [3, 4]];
 */
export type NestedArray = number | NestedArray[];
/**
 * A tensor, or a number that ops broadcast like a 0-d tensor.
 * @example const half: TensorLike = 0.5;
 */
export type TensorLike = Tensor | number;

/**
 * A float32, row-major n-dimensional array in the engine's wasm memory, with an optional gradient.
 *
 * Made by the factories (`tensor`, `zeros`, `randn`, ...) and by ops; ops are also methods
 * (`x.add(y)`). Memory is reclaimed automatically (see README, "Memory"): `keep()` a tensor
 * that must outlive many training steps, `dispose()` frees one at once.
 *
 * PyTorch: `torch.Tensor` (float32 only).
 * @example const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 */
export class Tensor {
  /** Sizes of the dims, e.g. [64, 1, 28, 28]. PyTorch: `shape` / `size()`. */
  readonly shape: readonly number[];
  /** Number of elements (the product of shape). PyTorch: `numel()` (PyTorch's `size()` is our `shape`). */
  readonly size: number;
  /** @internal backs requiresGrad. */
  _rg = false;
  /** The gradient accumulated by `backward()` (null until then). PyTorch: `grad`. */
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

  /** Number of dims. PyTorch: `ndim` / `dim()`. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True once the memory is freed (by `dispose()` or reclamation); any use then throws, saying why. */
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

  /**
   * A copy that stays in the graph. PyTorch: `clone()`.
   * @example const y = x.clone();
   */
  clone(): Tensor { return ops.clone(this); }
  /**
   * Back-propagates from this tensor (a scalar, or give `gradient` of its shape), accumulating into
   * the `grad` of every leaf that requires one.
   *
   * PyTorch: `backward()`.
   * @example loss.backward();
   */
  backward(gradient?: Tensor): void { ops.backward(this, gradient); }

  /**
   * Method form of `add(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.add(y)  // or x.add(1)
   */
  add(other: TensorLike): Tensor { return ops.add(this, other); }
  /**
   * Method form of `sub(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.sub(y)
   */
  sub(other: TensorLike): Tensor { return ops.sub(this, other); }
  /**
   * Method form of `mul(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.mul(0.5)
   */
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  /**
   * Method form of `div(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.div(255)
   */
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  /**
   * Method form of `pow(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.pow(2)
   */
  pow(exponent: TensorLike): Tensor { return ops.pow(this, exponent); }
  /**
   * Method form of `maximum(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.maximum(y)
   */
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  /**
   * Method form of `minimum(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.minimum(y)
   */
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }
  /**
   * Method form of `gt(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.gt(0.5)
   */
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  /**
   * Method form of `ge(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.ge(0)
   */
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }
  /**
   * Method form of `lt(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.lt(0)
   */
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  /**
   * Method form of `le(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.le(1)
   */
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  /**
   * Method form of `eq(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example pred.eq(labels).sum()
   */
  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  /**
   * Method form of `ne(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example pred.ne(labels)
   */
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }

  /**
   * Method form of `neg(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.neg()
   */
  neg(): Tensor { return ops.neg(this); }
  /**
   * Method form of `square(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.square()
   */
  square(): Tensor { return ops.square(this); }
  /**
   * Method form of `sqrt(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.sqrt()
   */
  sqrt(): Tensor { return ops.sqrt(this); }
  /**
   * Method form of `exp(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.exp()
   */
  exp(): Tensor { return ops.exp(this); }
  /**
   * Method form of `log(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.log()
   */
  log(): Tensor { return ops.log(this); }
  /**
   * Method form of `abs(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.abs()
   */
  abs(): Tensor { return ops.abs(this); }
  /**
   * Method form of `sign(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.sign()
   */
  sign(): Tensor { return ops.sign(this); }
  /**
   * Method form of `reciprocal(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.reciprocal()
   */
  reciprocal(): Tensor { return ops.reciprocal(this); }
  /**
   * Method form of `clamp(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.clamp(0, 1)
   */
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  /**
   * Method form of `sigmoid(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.sigmoid()
   */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /**
   * Method form of `relu(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.relu()
   */
  relu(): Tensor { return ops.relu(this); }
  /**
   * Method form of `leakyRelu(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.leakyRelu(0.2)
   */
  leakyRelu(negativeSlope = 0.01): Tensor { return ops.leakyRelu(this, negativeSlope); }
  /**
   * Method form of `tanh(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.tanh()
   */
  tanh(): Tensor { return ops.tanh(this); }
  /**
   * Method form of `softplus(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.softplus()
   */
  softplus(beta = 1, threshold = 20): Tensor { return ops.softplus(this, beta, threshold); }
  /**
   * Method form of `erf(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.erf()
   */
  erf(): Tensor { return ops.erf(this); }
  /**
   * Method form of `gelu(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.gelu()
   */
  gelu(options?: ops.GeluOptions): Tensor { return ops.gelu(this, options); }
  /**
   * Method form of `silu(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.silu()
   */
  silu(): Tensor { return ops.silu(this); }
  /**
   * Method form of `softmax(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example logits.softmax(-1)
   */
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  /**
   * Method form of `logSoftmax(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example logits.logSoftmax(-1)
   */
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }

  /**
   * Method form of `sum(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.sum()  // or x.sum(1, true)
   */
  sum(dim?: number | number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  /**
   * Method form of `mean(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example loss.mean()  // or x.mean([0, 2, 3], true)
   */
  mean(dim?: number | number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  /**
   * Method form of `max(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.max()  // or x.max(1) along a dim
   */
  max(dim?: number, keepdim = false): Tensor { return ops.max(this, dim, keepdim); }
  /**
   * Method form of `min(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.min()
   */
  min(dim?: number, keepdim = false): Tensor { return ops.min(this, dim, keepdim); }
  /**
   * Method form of `argmax(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example logits.argmax(1)
   */
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  /**
   * Method form of `argmin(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.argmin(0)
   */
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }

  /**
   * Method form of `matmul(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.matmul(w.T)
   */
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  /**
   * Method form of `reshape(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.reshape(-1, 784)
   */
  reshape(...shape: (number | readonly number[])[]): Tensor { return ops.reshape(this, shape.flat()); }
  /**
   * Method form of `view(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.view(-1, 784)
   */
  view(...shape: (number | readonly number[])[]): Tensor { return ops.reshape(this, shape.flat()); }
  /**
   * Method form of `flatten(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.flatten(1)
   */
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  /**
   * Method form of `unflatten(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.unflatten(1, [16, 7, 7])
   */
  unflatten(dim: number, sizes: number[]): Tensor { return ops.unflatten(this, dim, sizes); }
  /**
   * Method form of `unsqueeze(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.unsqueeze(0)
   */
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  /**
   * Method form of `squeeze(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.squeeze(1)
   */
  squeeze(dim?: number): Tensor { return ops.squeeze(this, dim); }
  /**
   * Method form of `transpose(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.transpose(0, 1)
   */
  transpose(dim0 = -2, dim1 = -1): Tensor { return ops.transpose(this, dim0, dim1); }
  /**
   * The transpose of the last two dimensions (PyTorch: `x.T` for 2-D, `x.mT`).
   * @example w.T  // [out, in] -> [in, out]
   */
  get T(): Tensor { return ops.transpose(this, -2, -1); }
  /**
   * Method form of `permute(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.permute(0, 2, 3, 1)
   */
  permute(...dims: (number | readonly number[])[]): Tensor { return ops.permute(this, dims.flat()); }
  /**
   * Method form of `slice(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.slice(1, 0, 10)  // x[:, 0:10]
   */
  slice(dim: number, start: number, end?: number, step = 1): Tensor { return ops.slice(this, dim, start, end, step); }
  /**
   * Method form of `indexSelect(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example table.indexSelect(0, [2, 0])
   */
  indexSelect(dim: number, index: ArrayLike<number> | Tensor): Tensor { return ops.indexSelect(this, dim, index); }

  // PyTorch habits. Each works as in PyTorch or throws a TypeError saying what to write instead:
  // a silent `undefined` (x.dtype, x.mT) or an ignored conversion would be worse than an error.
  /** Number of elements (PyTorch's numel(); also the `size` property). */
  numel(): number { return this.size; }
  /** Number of dimensions (PyTorch's dim(); also the `ndim` property). */
  dim(): number { return this.ndim; }
  /** Always 'float32': every wasmgrad tensor is float32. */
  get dtype(): 'float32' { return 'float32'; }
  /** Always 'cpu': the kernels run in WebAssembly on the CPU. */
  get device(): 'cpu' { return 'cpu'; }
  /** The transpose of a tensor with at most 2 dimensions (PyTorch's t()). */
  t(): Tensor {
    if (this.ndim > 2) throw new RangeError(`t: expects a tensor with at most 2 dimensions, got shape ${fmt(this.shape)}; use transpose(dim0, dim1) or mT`);
    return this.ndim < 2 ? this : ops.transpose(this, 0, 1);
  }
  /** The last two dimensions swapped (PyTorch's mT). */
  get mT(): Tensor {
    if (this.ndim < 2) throw new RangeError(`mT: expects a tensor with at least 2 dimensions, got shape ${fmt(this.shape)}`);
    return ops.transpose(this, -2, -1);
  }
  /** The slice at `index` along `dim`, that dimension removed (PyTorch's select(); x[i] in Python is x.select(0, i)). */
  select(dim: number, index: number): Tensor {
    const d = normAxis(dim, this.ndim, 'select');
    const n = this.shape[d];
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new RangeError(`select: index ${show(index)} is out of range for dimension ${dim} of size ${n} (shape ${fmt(this.shape)})`);
    }
    const i = index < 0 ? index + n : index;
    return ops.squeeze(ops.slice(this, d, i, i + 1), d);
  }
  /** `length` elements from `start` along `dim` (PyTorch's narrow()). */
  narrow(dim: number, start: number, length: number): Tensor {
    const d = normAxis(dim, this.ndim, 'narrow');
    const n = this.shape[d];
    const s = intArg('narrow', 'start', start, undefined, -n, n);
    const len = intArg('narrow', 'length', length, undefined, 0);
    const from = s < 0 ? s + n : s;
    if (from + len > n) throw new RangeError(`narrow: start ${s} + length ${len} exceeds dimension ${dim} of size ${n} (shape ${fmt(this.shape)})`);
    return ops.slice(this, d, from, from + len);
  }
  /** Nested arrays, as PyTorch's tolist() (the same as toArray()). */
  tolist(): NestedArray { return this.toArray(); }
  /** This tensor: it is float32 already. */
  float(): this { return this; }
  /** This tensor: its memory is always contiguous. */
  contiguous(): this { return this; }
  /** This tensor: it is on the CPU already. */
  cpu(): this { return this; }
  /** to('cpu'), to('float32') and to({ device: 'cpu', dtype: 'float32' }) return this tensor; anything else is an error. */
  to(...args: unknown[]): this {
    for (const a of args) {
      const ok = a === 'cpu' || a === 'float32' || a === 'float'
        || (isPlainObject(a) && Object.entries(a).every(([k, v]) => (k === 'device' && v === 'cpu') || (k === 'dtype' && (v === 'float32' || v === 'float'))));
      if (!ok) throw new TypeError(`to: wasmgrad tensors are float32 on the CPU (WebAssembly) only; got ${show(a)}`);
    }
    return this;
  }
  /** Always throws: wasmgrad has no GPU device. */
  cuda(): never { throw new TypeError('cuda: wasmgrad has no GPU device; its kernels run in WebAssembly on the CPU (drop .cuda() / .to(device))'); }
  /** Always throws: there is no NumPy in JavaScript (use data() or toArray()). */
  numpy(): never { throw new TypeError('numpy: there is no NumPy in JavaScript; use data() for a Float32Array copy or toArray() for nested arrays'); }
  /** Always throws: tensors are float32 only (integer-valued float32 serves as labels). */
  long(): never { throw new TypeError(notFloat32('long')); }
  /** Always throws: tensors are float32 only. */
  int(): never { throw new TypeError(notFloat32('int')); }
  /** Always throws: tensors are float32 only. */
  double(): never { throw new TypeError(notFloat32('double')); }
  /** Always throws: tensors are float32 only. */
  half(): never { throw new TypeError(notFloat32('half')); }
  /** Always throws: tensors are float32 only (comparisons give 0/1 float32). */
  bool(): never { throw new TypeError(notFloat32('bool')); }

  // In-place updates (for optimiser-style code inside noGrad); they do not record gradients.
  /**
   * In place: this += alpha · other. Records no gradient (optimiser-style updates, inside noGrad).
   * @example noGrad(() => w.add_(w.grad!, -0.1))
   */
  add_(other: TensorLike, alpha = 1): this { ops.inPlace(this, 'add_', other, alpha); return this; }
  /**
   * In place: this -= alpha · other. Records no gradient.
   * @example noGrad(() => w.sub_(w.grad!, 0.1))
   */
  sub_(other: TensorLike, alpha = 1): this { ops.inPlace(this, 'sub_', other, -alpha); return this; }
  /**
   * In place: this *= other. Records no gradient.
   * @example noGrad(() => w.mul_(0.99))
   */
  mul_(other: TensorLike): this { ops.inPlaceMul(this, other); return this; }
  /**
   * In place: fills with 0 (e.g. a gradient). Records no gradient.
   * @example noGrad(() => w.grad!.zero_())
   */
  zero_(): this { return this.fill_(0); }
  /**
   * In place: fills with a value. Records no gradient.
   * @example x.fill_(0.5)
   */
  fill_(value: number): this {
    if (typeof value !== 'number') throw new TypeError(`fill_: value must be a number, got ${show(value)}`);
    K().fill(this.ptr, this.size, value);
    return this;
  }
  /**
   * In place: copies another tensor of the same shape into this one. Records no gradient.
   * @example target.copy_(source)
   */
  copy_(src: Tensor): this { ops.copyInto(this, src); return this; }

  // ---- selection, statistics, shaping, indexing, sorting (ops/select, stats, shaping, indexing) ----
  /**
   * PyTorch's `x.where(condition, y)`: this tensor where condition is non-zero, else other (`where(condition, this, other)`).
   * @example x.where(x.gt(0), 0)  // ReLU
   */
  where(condition: Tensor, other: TensorLike): Tensor { return ops.where(condition, this, other); }
  /**
   * Method form of `maskedFill(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example scores.maskedFill(mask, -Infinity)
   */
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }
  /**
   * Method form of `tril(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example ones(4, 4).tril()
   */
  tril(diagonal = 0): Tensor { return ops.tril(this, diagonal); }
  /**
   * Method form of `triu(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example ones(4, 4).triu(1)
   */
  triu(diagonal = 0): Tensor { return ops.triu(this, diagonal); }
  /**
   * Method form of `var(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.var(0)
   */
  var(dim?: number | number[] | null, options?: ops.VarOptions | boolean, keepdim?: boolean): Tensor { return ops.variance(this, dim, options, keepdim); }
  /**
   * Method form of `std(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.std(0)
   */
  std(dim?: number | number[] | null, options?: ops.VarOptions | boolean, keepdim?: boolean): Tensor { return ops.std(this, dim, options, keepdim); }
  /**
   * Method form of `norm(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.norm()  // or x.norm(1, 1)
   */
  norm(p: ops.NormOrd = 2, dim?: number | number[] | null, keepdim = false): Tensor { return ops.norm(this, p, dim, keepdim); }
  /**
   * Method form of `logsumexp(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.logsumexp(1)
   */
  logsumexp(dim: number | number[], keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  /**
   * Method form of `cumsum(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.cumsum(0)
   */
  cumsum(dim: number): Tensor { return ops.cumsum(this, dim); }
  /**
   * Method form of `chunk(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.chunk(3, 1)
   */
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  /**
   * Method form of `split(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.split(2, 0)
   */
  split(splitSizeOrSections: number | number[], dim = 0): Tensor[] { return ops.split(this, splitSizeOrSections, dim); }
  /**
   * Method form of `expand(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example bias.expand(4, -1)
   */
  expand(...sizes: (number | number[])[]): Tensor { return ops.expand(this, ...sizes); }
  /**
   * Method form of `expandAs(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example mask.expandAs(scores)
   */
  expandAs(other: Tensor): Tensor { return ops.expandAs(this, other); }
  /**
   * Method form of `repeat(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.repeat(2, 1)
   */
  repeat(...repeats: (number | number[])[]): Tensor { return ops.repeat(this, ...repeats); }
  /**
   * Method form of `flip(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.flip([0])
   */
  flip(...dims: (number | number[])[]): Tensor { return ops.flip(this, ...dims); }
  /**
   * Method form of `gather(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.gather(1, index)
   */
  gather(dim: number, index: ops.IndexLike): Tensor { return ops.gather(this, dim, index); }
  /**
   * Method form of `scatter(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.scatter(1, index, src)
   */
  scatter(dim: number, index: ops.IndexLike, src: Tensor | number): Tensor { return ops.scatter(this, dim, index, src); }
  /**
   * Method form of `scatterAdd(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.scatterAdd(0, index, src)
   */
  scatterAdd(dim: number, index: ops.IndexLike, src: Tensor): Tensor { return ops.scatterAdd(this, dim, index, src); }
  /**
   * Method form of `indexAdd(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.indexAdd(0, index, source)
   */
  indexAdd(dim: number, index: ops.IndexLike, source: Tensor, options?: ops.IndexAddOptions): Tensor { return ops.indexAdd(this, dim, index, source, options); }
  /**
   * Method form of `sort(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.sort(-1)
   */
  sort(dimOrOptions: number | ops.SortOptions = -1, descending = false): ops.ValuesIndices { return ops.sort(this, dimOrOptions, descending); }
  /**
   * Method form of `argsort(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example x.argsort(-1, true)
   */
  argsort(dim = -1, descending = false): Tensor { return ops.argsort(this, dim, descending); }
  /**
   * Method form of `topk(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example scores.topk(5)
   */
  topk(k: number, dimOrOptions: number | ops.TopkOptions = -1, largest = true, sorted = true): ops.ValuesIndices { return ops.topk(this, k, dimOrOptions, largest, sorted); }
  /** Fills this tensor in place with N(mean, std²) samples from the engine's generator. */
  normal_(mean = 0, std = 1): this { ops.normal_(this, mean, std); return this; }
  /** Fills this tensor in place with U[from, to) samples from the engine's generator. */
  uniform_(from = 0, to = 1): this { ops.uniform_(this, from, to); return this; }
  /**
   * Method form of `bernoulli(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example probs.bernoulli()
   */
  bernoulli(p?: number): Tensor { return ops.bernoulli(this, p); }
  /**
   * Method form of `multinomial(x, ...)`: the same arguments after the tensor, the same gradient.
   * @example probs.multinomial(1)
   */
  multinomial(numSamples: number, replacement = false): Tensor { return ops.multinomial(this, numSamples, replacement); }

  /**
   * A short description: shape, and the values of small tensors.
   * @example console.log(String(x))
   */
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

/**
 * Options of `tensor(data, options)`.
 * @example tensor([1, 2, 3, 4], { shape: [2, 2], requiresGrad: true })
 */
export interface TensorOptions {
  /** Track this tensor for autodiff (default false). PyTorch: `requires_grad`. */
  requiresGrad?: boolean;
  /** Shape for flat data (typed arrays or flat number arrays); default: inferred. */
  shape?: readonly number[];
}

/** Options of the factories that take a size (zeros, ones, full, empty). */
export interface FactoryOptions {
  /** Track the new tensor for autodiff (default false). PyTorch: `requires_grad`. */
  requiresGrad?: boolean;
}

/**
 * PyTorch's size arguments, with the options object last: (2, 3), ([2, 3]), (x.shape),
 * (2, 3, { requiresGrad: true }); ([]) makes a 0-d tensor.
 */
export type SizeArgs<O = FactoryOptions> = [size: readonly number[], options?: O] | number[] | [...size: number[], options: O];

const FACTORY_KEYS = keysOf<FactoryOptions>()('requiresGrad');

/** A persistent tensor of `shape` filled with `value`. */
function filled(op: string, shape: number[], value: number, options: FactoryOptions | undefined): Tensor {
  const requiresGrad = boolArg(op, 'requiresGrad', checkOptions(op, options, FACTORY_KEYS).requiresGrad, false);
  const t = Tensor._empty(shape, op, false);
  K().fill(t.ptr, t.size, value);
  t.requiresGrad = requiresGrad;
  return t;
}

export function fromValues(values: ArrayLike<number>, shape: Shape, op: string, temp = false): Tensor {
  if (values.length !== sizeOf(shape)) {
    throw new RangeError(`${op}: ${values.length} values do not fill shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
  }
  const t = Tensor._empty(shape, op, temp);
  f32().set(values, t.ptr >>> 2);
  return t;
}

/** A tensor from a number, nested arrays, a typed array, or a tensor (copied, as torch.tensor). */
export function tensor(data: NestedArray | ArrayLike<number> | ArrayBufferView | Tensor, options?: TensorOptions): Tensor {
  const o = checkOptions('tensor', options, keysOf<TensorOptions>()('requiresGrad', 'shape'));
  const requiresGrad = boolArg('tensor', 'requiresGrad', o.requiresGrad, false);
  let shape: number[];
  let values: ArrayLike<number>;
  if (data instanceof Tensor) {
    values = data._read();
    shape = data.shape.slice();
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)) {
    values = data as unknown as ArrayLike<number>;
    shape = [values.length];
  } else if (typeof data === 'number') {
    values = [data];
    shape = [];
  } else if (Array.isArray(data)) {
    ({ shape, values } = flattenNested(data as NestedArray, 'tensor'));
  } else {
    throw new TypeError(`tensor: data must be a number, a nested array, a typed array or a Tensor, got ${show(data)}`);
  }
  if (o.shape !== undefined) {
    if (!Array.isArray(o.shape)) throw new TypeError(`tensor: options.shape must be an array of integers, got ${show(o.shape)}`);
    shape = checkDims('tensor', o.shape, 'options.shape');
  }
  const t = fromValues(values, shape, 'tensor');
  t.requiresGrad = requiresGrad;
  return t;
}

/** A tensor of `size` (an array, as PyTorch's full) filled with `fillValue`. */
export function full(size: readonly number[], fillValue: number, options?: FactoryOptions): Tensor {
  if (!Array.isArray(size)) {
    throw new TypeError(`full: size must be an array such as [2, 3] (PyTorch's full takes the size as a sequence), got ${show(size)}`);
  }
  if (typeof fillValue !== 'number') throw new TypeError(`full: fillValue must be a number, got ${show(fillValue)}`);
  return filled('full', checkDims('full', size), fillValue, options);
}

/** Zeros: zeros(2, 3), zeros([2, 3]), zeros(x.shape, { requiresGrad: true }). */
export function zeros(...args: SizeArgs): Tensor {
  const { size, options } = sizeArgs('zeros', args);
  return filled('zeros', size, 0, options);
}

/** Ones: ones(2, 3), ones([2, 3]). */
export function ones(...args: SizeArgs): Tensor {
  const { size, options } = sizeArgs('ones', args);
  return filled('ones', size, 1, options);
}

/** PyTorch's empty: the values are unspecified in PyTorch; here they are zeros (deterministic). */
export function empty(...args: SizeArgs): Tensor {
  const { size, options } = sizeArgs('empty', args);
  return filled('empty', size, 0, options);
}

function likeShape(t: unknown, op: string): number[] {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(t)}`);
  return t.shape.slice();
}

/**
 * A tensor of zeros with t's shape.
 *
 * PyTorch: `torch.zeros_like`.
 * @example zerosLike(w)
 */
export function zerosLike(t: Tensor, options?: FactoryOptions): Tensor { return filled('zerosLike', likeShape(t, 'zerosLike'), 0, options); }
/**
 * A tensor of ones with t's shape.
 *
 * PyTorch: `torch.ones_like`.
 * @example onesLike(w)
 */
export function onesLike(t: Tensor, options?: FactoryOptions): Tensor { return filled('onesLike', likeShape(t, 'onesLike'), 1, options); }
/**
 * A tensor with t's shape (filled with zeros: wasmgrad never hands out uninitialised memory).
 *
 * PyTorch: `torch.empty_like`.
 * @example emptyLike(w)
 */
export function emptyLike(t: Tensor, options?: FactoryOptions): Tensor { return filled('emptyLike', likeShape(t, 'emptyLike'), 0, options); }
/**
 * A tensor with t's shape, every element fillValue.
 *
 * PyTorch: `torch.full_like`.
 * @example fullLike(w, 0.5)
 */
export function fullLike(t: Tensor, fillValue: number, options?: FactoryOptions): Tensor {
  if (typeof fillValue !== 'number') throw new TypeError(`fullLike: fillValue must be a number, got ${show(fillValue)}`);
  return filled('fullLike', likeShape(t, 'fullLike'), fillValue, options);
}

/** Most float32 values one tensor can hold (4 GiB of wasm memory). */
const MAX_ELEMENTS = 2 ** 30;

/** Values start, start+step, ... below end (PyTorch's arange(end), arange(start, end, step?)). */
export function arange(end: number, options?: FactoryOptions): Tensor;
export function arange(start: number, end: number, options?: FactoryOptions): Tensor;
export function arange(start: number, end: number, step: number, options?: FactoryOptions): Tensor;
export function arange(start: number, end?: number | FactoryOptions, step?: number | FactoryOptions, options?: FactoryOptions): Tensor {
  if (isPlainObject(end)) [end, options] = [undefined, end as FactoryOptions];
  else if (isPlainObject(step)) [step, options] = [undefined, step as FactoryOptions];
  if (end === undefined) [start, end] = [0, numberArg('arange', 'end', start)];
  const lo = numberArg('arange', 'start', start);
  const hi = numberArg('arange', 'end', end);
  const by = numberArg('arange', 'step', step, 1);
  if (by === 0) throw new RangeError('arange: step must be non-zero');
  if ((hi - lo) * by < 0) throw new RangeError(`arange: the step ${by} does not lead from ${lo} to ${hi}`);
  const n = Math.ceil((hi - lo) / by);
  if (n > MAX_ELEMENTS) throw new RangeError(`arange: ${n} values are more than a tensor can hold (${MAX_ELEMENTS})`);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = lo + i * by;
  return withGradFlag(fromValues(values, [n], 'arange'), 'arange', options);
}

/** `steps` evenly spaced values from start to end inclusive (computed in float64). */
export function linspace(start: number, end: number, steps: number, options?: FactoryOptions): Tensor {
  start = numberArg('linspace', 'start', start);
  end = numberArg('linspace', 'end', end);
  steps = intArg('linspace', 'steps', steps, undefined, 0, MAX_ELEMENTS);
  const values = new Float32Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) values[i] = i === steps - 1 && steps > 1 ? end : start + i * step;
  return withGradFlag(fromValues(values, [steps], 'linspace'), 'linspace', options);
}

function withGradFlag(t: Tensor, op: string, options: FactoryOptions | undefined): Tensor {
  t.requiresGrad = boolArg(op, 'requiresGrad', checkOptions(op, options, FACTORY_KEYS).requiresGrad, false);
  return t;
}

/**
 * True when x is a wasmgrad Tensor.
 *
 * PyTorch: `torch.is_tensor`.
 * @example if (isTensor(v)) v.keep();
 */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Why a dtype conversion is refused, and what to write instead. */
function notFloat32(op: string): string {
  return `${op}: wasmgrad tensors are float32 only. Integer-valued float32 tensors serve as class labels and indices `
    + '(crossEntropy, nllLoss, indexSelect, gather accept them as they are, exact below 2^24): drop the conversion';
}
