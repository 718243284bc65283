/**
 * Module: PyTorch's nn.Module, camelCased. A module registers its parameters (persistent leaves
 * the optimiser updates in place), buffers (state such as BatchNorm's running statistics, also
 * updated in place) and child modules under names, so namedParameters() and stateDict() give
 * PyTorch's dotted names (`0.weight`, `fc1.bias`).
 */
import { Tensor, zeros } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { makeOwned } from '../memory.js';
import { f32 } from '../wasm.js';
import { fmt, sameShape } from '../shape.js';

/**
 * One tensor of a state dict: a copy of its float32 values and its shape.
 * @example const { data, shape } = model.stateDict()['0.weight'];
 */
export interface SavedTensor {
  /** A copy of the values, row-major. */
  data: Float32Array;
  /** The tensor's shape. */
  shape: number[];
}
/**
 * Parameters and buffers by dotted name, as `Module.stateDict()` returns and `loadStateDict()` takes.
 *
 * PyTorch: the `OrderedDict` of `state_dict()`.
 * @example model.loadStateDict(other.stateDict())
 */
export type StateDict = Record<string, SavedTensor>;

/** A module of any output type (MultiheadAttention returns [output, weights]). */
export type AnyModule = Module<unknown>;

/** A module is callable, as in PyTorch: `model(x)` is `model.forward(x)`, `criterion(out, y)` a loss. */
export interface Module<Out = Tensor> {
  (input: Tensor, ...rest: any[]): Out;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** Out: what forward returns (a Tensor for all but a few modules such as MultiheadAttention). */
export abstract class Module<Out = Tensor> {
  // Set in the constructor on the callable that replaces `this` (field initialisers would land on
  // the discarded object).
  /**
   * True in training mode (dropout active, batch norm updating its statistics); set by `train()` / `eval()`.
   */
  declare training: boolean;
  declare private readonly params: Map<string, Tensor | null>;
  declare private readonly buffers: Map<string, Tensor>;
  declare private readonly children_: Map<string, AnyModule>;

  /**
   * The instance is a function whose prototype is the module class, so that `model(x)` works
   * (and a loss module can be passed wherever a loss function is expected); subclasses see it
   * as `this` after super(). Functions' own `name` and `length` are removed so that a module can
   * have fields or getters of those names.
   */
  constructor() {
    const self = function module(...args: any[]): Out {
      return (self as unknown as Module<Out>).forward(...(args as [Tensor]));
    };
    delete (self as { name?: unknown }).name;
    delete (self as { length?: unknown }).length;
    Object.setPrototypeOf(self, new.target.prototype);
    const m = self as unknown as Module<Out>;
    m.training = true;
    (m as unknown as { params: Map<string, Tensor | null> }).params = new Map();
    (m as unknown as { buffers: Map<string, Tensor> }).buffers = new Map();
    (m as unknown as { children_: Map<string, AnyModule> }).children_ = new Map();
    return m;
  }

  /**
   * The module's computation; call it directly (there is no `__call__`).
   *
   * PyTorch: `module(x)` / `forward`.
   * @example const logits = model.forward(x);
   */
  abstract forward(input: Tensor, ...rest: any[]): Out;

  /** Same as forward (PyTorch's `module(x)`). */
  call(input: Tensor, ...rest: any[]): Out {
    return this.forward(input, ...rest);
  }

  /** console.log(model) in Node prints the PyTorch-style description. */
  [inspectSymbol](): string {
    return this.toString();
  }

  /**
   * Registers a trainable tensor (owned by the model, requiring gradients); null marks an absent
   * one. Owned tensors live as long as the model is used (see memory.ts; keep() keeps a model for good).
   */
  protected registerParameter<T extends Tensor | null>(name: string, t: T): T {
    if (t) {
      t.ptr; // a reclaimed tensor throws here, not later
      makeOwned(t, t._h);
      t.requiresGrad = true;
    }
    this.params.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    t.ptr;
    makeOwned(t, t._h);
    this.buffers.set(name, t);
    return t;
  }

  /**
   * Keeps every parameter, buffer and gradient of this model until dispose() or garbage
   * collection, exempt even from reclamation under memory pressure (for a model kept for later
   * while others train); returns this.
   */
  keep(): this {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
      t.keep();
      t.grad?.keep();
    }
    return this;
  }

  protected registerModule<M extends AnyModule>(name: string, m: M): M {
    if (!(m instanceof Module)) throw new TypeError(`${this.constructor.name}: child ${name} is not a Module`);
    this.children_.set(name, m);
    return m;
  }

  /** [name, child] pairs, direct children only. */
  namedChildren(): [string, AnyModule][] {
    return [...this.children_];
  }

  /**
   * The direct submodules, in registration order.
   *
   * PyTorch: `children()`.
   * @example for (const c of model.children()) console.log(c.toString());
   */
  children(): AnyModule[] {
    return [...this.children_.values()];
  }

  /** This module and every descendant with its dotted name ('' for this one). */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [[prefix, this]];
    for (const [n, m] of this.children_) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  private collect(pick: (m: AnyModule) => Iterable<[string, Tensor | null]>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, t] of pick(m)) if (t) out.push([prefix ? `${prefix}.${n}` : n, t]);
    }
    return out;
  }

  /**
   * Every parameter with its dotted name (`'0.weight'`), submodules included.
   *
   * PyTorch: `named_parameters()`.
   * @example for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m.params);
  }

  /**
   * Every parameter of this module and its submodules, for an optimiser.
   *
   * PyTorch: `parameters()`.
   * @example new optim.Adam(model.parameters())
   */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * Every buffer (state that is not trained, such as batch norm's running mean) with its dotted name.
   *
   * PyTorch: `named_buffers()`.
   * @example model.namedBuffers().map(([n]) => n)
   */
  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m.buffers);
  }

  /** Sets training mode here and below (dropout, batch norm); returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /**
   * Evaluation mode (dropout off, batch norm uses its running statistics); returns this.
   *
   * PyTorch: `eval()`.
   * @example model.eval();
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Sets every parameter's gradient to zero.
   *
   * PyTorch: `zero_grad()`.
   * @example model.zeroGrad();
   */
  zeroGrad(setToNone = false): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      // a gradient reclaimed while its model sat idle (memory.ts) is gone: as zero as it gets
      if (setToNone || p.grad.isDisposed) { p.grad.dispose(); p.grad = null; } else p.grad.zero_();
    }
  }

  /** Copies of every parameter and buffer, by dotted name. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, t] of [...this.namedParameters(), ...this.namedBuffers()]) out[n] = { data: t._read(), shape: t.shape.slice() };
    return out;
  }

  /** Copies values into the existing tensors (in place, so optimisers keep working). */
  loadStateDict(sd: StateDict, strict = true): void {
    const own = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    if (strict) {
      const missing = [...own.keys()].filter((k) => !(k in sd));
      const unexpected = Object.keys(sd).filter((k) => !own.has(k));
      if (missing.length || unexpected.length) {
        throw new Error(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
      }
    }
    for (const [n, t] of own) {
      const s = sd[n];
      if (!s) continue;
      if (!sameShape(s.shape, t.shape) || s.data.length !== t.size) {
        throw new RangeError(`loadStateDict: ${n} has shape ${fmt(s.shape)} in the state dict but ${fmt(t.shape)} in the model`);
      }
      f32().set(s.data, t.ptr >>> 2);
    }
  }

  /** Number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Short description for summaries (PyTorch's extra_repr). */
  extraRepr(): string {
    return '';
  }

  /**
   * The module tree as PyTorch prints it (`Sequential(\n  (0): Linear(...)`).
   * @example console.log(model.toString())
   */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this.children_.size === 0) return `${head})`;
    const body = [...this.children_].map(([n, m]) => `  (${n}): ${String(m).replace(/\n/g, '\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }
}

/**
 * A layer that can apply a following ReLU itself (Conv2d): forwardRelu(x) is relu(forward(x)),
 * or null when it cannot (a subclass that overrides forward).
 */
export interface ReluFusable {
  forwardRelu(x: Tensor): Tensor | null;
}

/** nn.ReLU itself, not a subclass with a forward of its own (ReLU marks itself, see layers.ts). */
function isPlainRelu(m: AnyModule): boolean {
  return (m as { fusableRelu?: () => boolean }).fusableRelu?.() === true;
}

/**
 * Runs its children in order. A Conv2d or BatchNorm followed by a plain ReLU runs as one fused op
 * (conv2dRelu, batchNormRelu): the same bytes, one pass less over the layer's output each way.
 */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  /**
   * Runs the modules in order, each one's output the next one's input.
   * @example seq.forward(x)
   */
  forward(x: Tensor): Tensor {
    const c = this.children();
    for (let i = 0; i < c.length; i++) {
      // a layer followed by a plain ReLU runs both as one op where the layer can (Conv2d, BatchNorm): the
      // same bytes, one pass less over its output
      const fused = i + 1 < c.length && isPlainRelu(c[i + 1]) ? (c[i] as Partial<ReluFusable>).forwardRelu?.(x) : undefined;
      if (fused) {
        x = fused;
        i++;
      } else {
        x = c[i].forward(x) as Tensor;
      }
    }
    return x;
  }

  /**
   * The number of modules.
   * @example seq.length
   */
  override get length(): number {
    return this.children().length;
  }

  /**
   * The i-th module (negative i counts from the end).
   *
   * PyTorch: `seq[i]`.
   * @example (seq.at(0) as nn.Linear).weight
   */
  at(i: number): AnyModule {
    const c = this.children();
    return c[i < 0 ? c.length + i : i];
  }
}

/**
 * One leaf module's row of `summary()`.
 * @example summary(model, [1, 28, 28]).rows[0].outputShape
 */
export interface SummaryRow {
  /** Dotted name of the module (`'0'`, `'features.3'`). */
  name: string;
  /** Its class name (`'Conv2d'`). */
  type: string;
  /** Shape of its output for the summary's input (batch of 1). */
  outputShape: number[];
  /** Number of its own parameters. */
  params: number;
}

/**
 * What `summary()` returns: the rows, the parameter counts and the printed table.
 * @example const { totalParams } = summary(model, [784], null);
 */
export interface Summary {
  /** One row per leaf module, in forward order. */
  rows: SummaryRow[];
  /** Number of parameters (elements). */
  totalParams: number;
  /** Number of those that require a gradient. */
  trainableParams: number;
  /** The table as printed. */
  text: string;
}

const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * Runs a batch of one zero input of inputShape (without the batch dimension) through the model
 * in eval mode and reports each leaf module's output shape and parameter count, as Keras'
 * model.summary() / torchsummary do. Prints the table through `log` (console.log by default).
 */
export function summary(model: Module, inputShape: number[], log: ((s: string) => void) | null = console.log): Summary {
  const rows: SummaryRow[] = [];
  const leaves = model.namedModules().filter(([, m]) => m.children().length === 0);
  const wasTraining = model.namedModules().map(([, m]) => m.training);
  const restore: (() => void)[] = [];
  for (const [name, m] of leaves) {
    const original = m.forward;
    const hadOwn = Object.prototype.hasOwnProperty.call(m, 'forward');
    m.forward = function (this: AnyModule, x: Tensor, ...rest: any[]): unknown {
      const y = original.call(this, x, ...rest);
      // a module with several outputs (MultiheadAttention) reports its first
      const first = Array.isArray(y) ? y[0] : y;
      const outputShape = first instanceof Tensor ? first.shape.slice() : [];
      rows.push({ name: name || m.constructor.name, type: m.constructor.name, outputShape, params: m.numParameters() });
      return y;
    };
    restore.push(() => { if (hadOwn) m.forward = original; else delete (m as { forward?: unknown }).forward; });
  }
  const input = zeros([1, ...inputShape]);
  try {
    model.eval();
    noGrad(() => { model.forward(input); });
  } finally {
    restore.forEach((r) => r());
    model.namedModules().forEach(([, m], i) => { m.training = wasTraining[i]; });
    input.dispose();
  }
  const totalParams = model.numParameters();
  const trainableParams = model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0);
  const cells = rows.map((r) => [`${r.name} (${r.type})`, fmt(r.outputShape), thousands(r.params)]);
  const header = ['Layer (type)', 'Output shape', 'Param #'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((s, c) => (c === 2 ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const text = [line(header), rule, ...cells.map(line), rule,
    `Total params: ${thousands(totalParams)}`, `Trainable params: ${thousands(trainableParams)}`,
    `Non-trainable params: ${thousands(totalParams - trainableParams)}`].join('\n');
  log?.(text);
  return { rows, totalParams, trainableParams, text };
}
