/**
 * The optimiser base: parameter groups, per-parameter state, zeroGrad, and state dicts in
 * PyTorch's shape (state keyed by the parameter's position across groups, groups without their
 * tensors). Parameters are updated in place by the fused kernels of assembly/kernels/optim.ts,
 * so the Tensor objects a model holds stay the ones being trained.
 */
import { Tensor, tensor, zeros, full } from '../tensor.js';
import { type Kernels } from '../wasm.js';
import { splitItems } from '../threads.js';
import { fmt } from '../shape.js';
import { bindArgs, boolArg, checkOptions, isPlainObject, show } from '../args.js';
import { makeOwned } from '../memory.js';

/** The fused optimiser kernels (assembly/kernels/optim.ts), typed by the generated ABI. */
export type OptimKernels = Pick<Kernels, 'sgdStep' | 'adamStep' | 'rmspropStep' | 'adagradStep' | 'adadeltaStep'>;

// The updates are elementwise (each element's new value depends on its own state alone), so large
// parameters are split over threads in runs of 16 elements; each run starts on a multiple of 4, so
// every element takes the SIMD or scalar path it takes unsplit: the same bits for any thread count.
const WORK_PER_ELEMENT = 32; // FLOP-equivalents, for the size test (~2 MFLOP before a split pays)
const at = (ptr: number, lo: number): number => (ptr === 0 ? 0 : ptr + 4 * lo); // 0 = no such state
const splitOptimKernels: OptimKernels = {
  sgdStep: (p, g, buf, n, ...o) => splitItems('sgdStep', n, WORK_PER_ELEMENT * n, 16,
    (lo, hi) => [p + 4 * lo, g + 4 * lo, at(buf, lo), hi - lo, ...o]),
  adamStep: (p, g, m, v, vmax, n, ...o) => splitItems('adamStep', n, WORK_PER_ELEMENT * n, 16,
    (lo, hi) => [p + 4 * lo, g + 4 * lo, m + 4 * lo, v + 4 * lo, at(vmax, lo), hi - lo, ...o]),
  rmspropStep: (p, g, sq, gavg, buf, n, ...o) => splitItems('rmspropStep', n, WORK_PER_ELEMENT * n, 16,
    (lo, hi) => [p + 4 * lo, g + 4 * lo, sq + 4 * lo, at(gavg, lo), at(buf, lo), hi - lo, ...o]),
  adagradStep: (p, g, sum, n, ...o) => splitItems('adagradStep', n, WORK_PER_ELEMENT * n, 16,
    (lo, hi) => [p + 4 * lo, g + 4 * lo, sum + 4 * lo, hi - lo, ...o]),
  adadeltaStep: (p, g, sq, acc, n, ...o) => splitItems('adadeltaStep', n, WORK_PER_ELEMENT * n, 16,
    (lo, hi) => [p + 4 * lo, g + 4 * lo, sq + 4 * lo, acc + 4 * lo, hi - lo, ...o]),
};

/** The fused optimiser kernels, split over threads when a parameter is large. */
export const optimKernels = (): OptimKernels => splitOptimKernels;

export type StateValue = Tensor | Float32Array | number | boolean | null | StateValue[];
export type ParamState = Record<string, StateValue>;

/** Serialised state: tensors become Float32Array copies (with their shapes alongside). */
export type SavedValue = Float32Array | number | boolean | null | { data: Float32Array; shape: number[] } | SavedValue[];

/**
 * An optimiser's saved state, as `stateDict()` returns and `loadStateDict()` takes: per-parameter
 * buffers (by parameter index) and the groups' options.
 *
 * PyTorch: `optimizer.state_dict()`.
 * @example opt.loadStateDict(saved.optimizer)
 */
export interface OptimizerStateDict {
  /** Per-parameter buffers, by the parameter's index over all groups. */
  state: Record<number, Record<string, SavedValue>>;
  /** Each group's options, with the indices of its parameters. */
  paramGroups: Record<string, unknown>[];
}

/**
 * One parameter group: its tensors and the options that differ from the optimiser's defaults.
 * @example new optim.SGD([{ params: head.parameters(), lr: 0.1 }, { params: body.parameters() }], { lr: 0.01 })
 */
export interface ParamGroupInput {
  /** The group's tensors. */
  params: Iterable<Tensor>;
  [option: string]: unknown;
}

/**
 * What an optimiser optimises: tensors (e.g. `model.parameters()`) or a list of parameter groups.
 * @example new optim.Adam(model.parameters())
 */
export type Params = Iterable<Tensor> | ParamGroupInput[];
/**
 * A function that recomputes the loss (and its gradients) for optimisers that evaluate it several
 * times per step, such as LBFGS; returns the loss.
 * @example opt.step(() => { opt.zeroGrad(); const l = loss(); l.backward(); return l; })
 */
export type Closure = () => Tensor | number;
/**
 * A parameter group as the optimiser holds it: its tensors and every option resolved.
 * @example opt.paramGroups[0].lr = 0.001;   // change the learning rate by hand
 */
export type ParamGroup<O> = O & { params: Tensor[]; initialLr?: number };

function checkParam(p: unknown, who: string, where: string): Tensor {
  if (!(p instanceof Tensor)) throw new TypeError(`${who}: ${where} is not a Tensor (got ${show(p)})`);
  if (p._node) throw new Error(`${who}: ${where} (shape ${fmt(p.shape)}, made by ${p._op}) is not a leaf tensor; optimise leaves (x.detach().requiresGrad_())`);
  // The optimiser updates it in place every step: it lives as a model's parameter does.
  p.ptr;
  makeOwned(p, p._h);
  p.grad && !p.grad.isDisposed && makeOwned(p.grad, p.grad._h);
  return p;
}

/**
 * An optimiser's hyper-parameters as PyTorch binds them: positionally in PyTorch's order after
 * `params` (`new SGD(params, 0.01, 0.9)`), or by name in a trailing options object
 * (`new SGD(params, { lr: 0.01, momentum: 0.9 })`), or both; merged over `defaults`.
 */
export function optimizerArgs<O>(name: string, args: readonly unknown[], positional: readonly string[], defaults: O): O {
  const keys = Object.keys(defaults as object);
  const given = bindArgs(name, args, positional, keys.filter((k) => !positional.includes(k)));
  for (const [k, v] of Object.entries(given)) checkKind(name, k, v, (defaults as Record<string, unknown>)[k]);
  return { ...defaults, ...given } as O;
}

/** An option must be of its default's kind: a number, a boolean, an array of numbers (betas), or null/boolean (foreach). */
function checkKind(name: string, k: string, v: unknown, dflt: unknown): void {
  if (k === 'foreach') {
    if (v !== null && typeof v !== 'boolean') throw new TypeError(`${name}: foreach must be true, false or null, got ${show(v)}`);
  } else if (typeof dflt === 'number') {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${name}: ${k} must be a number, got ${show(v)}`);
  } else if (typeof dflt === 'boolean') {
    boolArg(name, k, v);
  } else if (Array.isArray(dflt)) {
    if (!Array.isArray(v) || v.length !== dflt.length || !v.every((x) => typeof x === 'number')) {
      throw new TypeError(`${name}: ${k} must be an array of ${dflt.length} numbers, got ${show(v)}`);
    }
  }
}

function paramList(params: unknown, name: string): (Tensor | ParamGroupInput)[] {
  if (params instanceof Tensor) throw new TypeError(`${name}: params must be an iterable of tensors (e.g. [w] or model.parameters()), got one Tensor`);
  if (typeof params === 'function' && typeof (params as { parameters?: unknown }).parameters === 'function') {
    throw new TypeError(`${name}: params must be the model's parameters (model.parameters()), not the model`);
  }
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${name}: params must be an iterable of tensors or of parameter groups ({ params, ...options }), got ${show(params)}`);
  }
  return Array.from(params as Iterable<Tensor | ParamGroupInput>);
}

/**
 * Base of the optimisers: parameter groups, per-parameter state, `zeroGrad()`, `step()` and
 * `stateDict()` / `loadStateDict()`.
 *
 * PyTorch: `torch.optim.Optimizer`.
 * @example for (const g of opt.paramGroups) g.lr *= 0.5;
 */
export abstract class Optimizer<O extends { lr: number }> {
  /**
   * The parameter groups with their resolved options; change `lr` here to adjust it by hand.
   *
   * PyTorch: `param_groups`.
   */
  readonly paramGroups: ParamGroup<O>[] = [];
  /**
   * Per-parameter buffers (momentum, Adam's moments, the step count), keyed by tensor.
   *
   * PyTorch: `state`.
   */
  readonly state = new Map<Tensor, ParamState>();

  /**
   * `defaults` holds every option with its default (their kinds are checked against it);
   * `nonNegative` names the options that must be ≥ 0 (checked per group, as PyTorch's
   * constructors do).
   */
  constructor(params: Params, readonly defaults: O, protected readonly name: string,
    private readonly nonNegative: string[] = []) {
    const list = paramList(params, name);
    if (list.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    const isGroups = !(list[0] instanceof Tensor);
    const groups: ParamGroupInput[] = isGroups ? list as ParamGroupInput[] : [{ params: list as Tensor[] }];
    const seen = new Set<Tensor>();
    groups.forEach((g, gi) => {
      if (!isPlainObject(g) || !('params' in g)) {
        throw new TypeError(`${name}: params mixes tensors and other values (item ${gi} is ${show(g)}); give tensors, or groups { params, ...options }`);
      }
      checkOptions(`${name} parameter group ${gi}`, g, ['params', ...Object.keys(defaults)]);
      const ps = Array.from(g.params instanceof Tensor ? [g.params] : paramList(g.params, `${name} parameter group ${gi}`), (p, i) => checkParam(p, name, `parameter ${i} of group ${gi}`));
      for (const p of ps) {
        if (seen.has(p)) throw new Error(`${name}: a parameter appears in more than one place`);
        seen.add(p);
      }
      const group = { ...defaults, ...g, params: ps } as ParamGroup<O>;
      this.validate(group);
      this.paramGroups.push(group);
    });
  }

  /** Checks a group's options: each of the kind of its default (TypeError; the defaults were checked by optimizerArgs), in range (RangeError). */
  protected validate(group: ParamGroup<O>): void {
    const lr: unknown = group.lr;
    if (lr === undefined) throw new TypeError(`${this.name}: lr is required (as in PyTorch): new ${this.name}(params, 0.01) or new ${this.name}(params, { lr: 0.01 })`);
    if (typeof lr !== 'number') throw new TypeError(`${this.name}: lr must be a number, got ${show(lr)}`);
    for (const [k, dflt] of Object.entries(this.defaults) as [string, unknown][]) checkKind(this.name, k, (group as Record<string, unknown>)[k], dflt);
    if (!(group.lr >= 0)) throw new RangeError(`${this.name}: invalid learning rate ${group.lr}`);
    for (const k of this.nonNegative) {
      const v = (group as Record<string, unknown>)[k];
      this.rangeCheck(v, k, (v as number) >= 0);
    }
  }

  protected rangeCheck(value: unknown, what: string, ok: boolean): void {
    if (!ok) throw new RangeError(`${this.name}: invalid ${what}: ${value}`);
  }

  /** Sets gradients to zero in place (setToNone drops them instead, as PyTorch's set_to_none). */
  zeroGrad(setToNone = false): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        // a gradient reclaimed while its model sat idle (memory.ts) is gone: as zero as it gets
        if (setToNone || p.grad.isDisposed) { p.grad.dispose(); p.grad = null; } else p.grad.zero_();
      }
    }
  }

  /** One update; the closure (re-evaluating the loss with gradients) is optional except for LBFGS. */
  abstract step(closure?: Closure): number | undefined;

  protected evalClosure(closure?: Closure): number | undefined {
    if (!closure) return undefined;
    const loss = closure();
    return typeof loss === 'number' ? loss : loss.item();
  }

  /** The state of p, created by init on first use (its tensors owned, as p is). */
  protected stateOf(p: Tensor, init: () => ParamState): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = init();
      ownTensors(s);
      this.state.set(p, s);
    }
    return s;
  }

  /** Calls fn for every parameter that has a gradient. */
  protected eachWithGrad(fn: (p: Tensor, grad: Tensor, group: ParamGroup<O>) => void): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad && !p.grad.isDisposed) fn(p, p.grad, group);
      }
    }
  }

  private allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * The optimiser's state as plain data (buffers copied), for a checkpoint.
   *
   * PyTorch: `state_dict()`.
   * @example const saved = opt.stateDict();
   */
  stateDict(): OptimizerStateDict {
    const index = new Map(this.allParams().map((p, i) => [p, i]));
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const out: Record<string, SavedValue> = {};
      for (const [k, v] of Object.entries(s)) out[k] = save(v);
      state[index.get(p)!] = out;
    }
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      return { ...options, params: params.map(() => next++) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state saved by `stateDict()` (the same parameters, in the same order).
   *
   * PyTorch: `load_state_dict()`.
   * @example opt.loadStateDict(saved);
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const params = this.allParams();
    if (!sd || !Array.isArray(sd.paramGroups) || sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${this.name}.loadStateDict: the state dict has ${sd?.paramGroups?.length} parameter groups, this optimiser ${this.paramGroups.length}`);
    }
    sd.paramGroups.forEach((saved, i) => {
      const ids = saved.params as number[];
      if (ids.length !== this.paramGroups[i].params.length) {
        throw new Error(`${this.name}.loadStateDict: group ${i} has ${ids.length} parameters in the state dict, ${this.paramGroups[i].params.length} here`);
      }
      const { params: _, ...options } = saved;
      Object.assign(this.paramGroups[i], options);
    });
    this.state.clear();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = params[Number(key)];
      if (!p) throw new Error(`${this.name}.loadStateDict: state for parameter ${key}, but there are only ${params.length}`);
      const restored: ParamState = {};
      for (const [k, v] of Object.entries(s)) restored[k] = load(v);
      ownTensors(restored);
      this.state.set(p, restored);
    }
  }
}

function ownTensors(s: ParamState | StateValue): void {
  if (s instanceof Tensor) makeOwned(s, s._h);
  else if (Array.isArray(s)) s.forEach(ownTensors);
  else if (s !== null && typeof s === 'object' && !(s instanceof Float32Array)) Object.values(s).forEach(ownTensors);
}

function save(v: StateValue): SavedValue {
  if (v instanceof Tensor) return { data: v._read(), shape: v.shape.slice() };
  if (v instanceof Float32Array) return v.slice();
  if (Array.isArray(v)) return v.map(save);
  return v;
}

function load(v: SavedValue): StateValue {
  if (v instanceof Float32Array) return v.slice();
  if (Array.isArray(v)) return v.map(load);
  if (v !== null && typeof v === 'object') return tensor(v.data, { shape: v.shape });
  return v;
}

/** Persistent zero state shaped like p. */
// Owned at birth: state made lazily inside the training loop (SGD's momentum buffer at the first
// step with momentum) is not a loop temporary, whatever stateOf's init returned.
export const zerosLikeParam = (p: Tensor): Tensor => owned(zeros(p.shape.slice()));
export const fullLikeParam = (p: Tensor, value: number): Tensor => owned(full(p.shape.slice(), value));
function owned(t: Tensor): Tensor {
  makeOwned(t, t._h);
  return t;
}
