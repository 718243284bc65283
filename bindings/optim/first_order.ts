/**
 * First-order optimisers with PyTorch 1.13's semantics and defaults (the single-tensor code
 * paths of torch/optim/{sgd,adam,adamw,rmsprop,adagrad,adadelta}.py). Scalars such as bias
 * corrections are computed here in float64 as Python does, then handed to the fused kernel.
 */
import { Tensor } from '../tensor.js';
import { K } from '../wasm.js';
import { Un } from '../ops/codes.js';
import { Closure, Optimizer, OptimKernels, ParamGroup, ParamState, Params, optimKernels, optimizerArgs, zerosLikeParam, fullLikeParam } from './optimizer.js';

const ptrOf = (t: StateOrNull): number => (t ? (t as Tensor).ptr : 0);
type StateOrNull = ParamState[string];

function negated(g: Tensor): Tensor {
  const out = Tensor._like(g, 'maximize');
  K().unary(Un.NEG, g.ptr, out.ptr, g.size, 0, 0);
  return out;
}

/** An optimiser whose step is one fused kernel call per parameter that has a gradient. */
abstract class FusedOptimizer<O extends { lr: number }> extends Optimizer<O> {
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<O>, k: OptimKernels): void;

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    // maximize: PyTorch negates the gradient first thing in every one of these algorithms.
    this.eachWithGrad((p, g, group) => this.update(p, (group as { maximize?: boolean }).maximize ? negated(g) : g, group, k));
    return loss;
  }

  /** Increments and returns the per-parameter step count. */
  protected nextStep(s: ParamState): number {
    s.step = (s.step as number) + 1;
    return s.step;
  }
}

/** What every optimiser here accepts besides its own options (PyTorch's keyword-only arguments). */
export interface CommonOptions {
  /** Maximise the objective instead (the gradient is negated first, as PyTorch). */
  maximize?: boolean;
  /** PyTorch's implementation switch; accepted and without effect (the kernels are fused anyway). */
  foreach?: boolean | null;
}

const COMMON = { maximize: false, foreach: null as boolean | null };

/**
 * Options of `optim.SGD`: lr is required; momentum, dampening and weightDecay default to 0.
 *
 * PyTorch: `SGD(params, lr, momentum, dampening, weight_decay, nesterov, maximize)`.
 * @example new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true })
 */
export interface SGDOptions extends CommonOptions {
  /** Learning rate (required). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). PyTorch: `weight_decay`. */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

type Rest<O> = (number | boolean | [number, number] | O | undefined)[];

/** PyTorch's SGD(params, lr, momentum=0, dampening=0, weightDecay=0, nesterov=false): new SGD(p, 0.01) or new SGD(p, { lr: 0.01 }). */
export class SGD extends FusedOptimizer<Required<SGDOptions>> {
  constructor(params: Params, ...args: Rest<SGDOptions>) {
    super(params, optimizerArgs('SGD', args, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'],
      { lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...COMMON }), 'SGD', ['momentum', 'weightDecay']);
  }

  protected override validate(g: ParamGroup<Required<SGDOptions>>): void {
    super.validate(g);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected update(p: Tensor, g: Tensor, o: ParamGroup<Required<SGDOptions>>, k: OptimKernels): void {
    const s = this.stateOf(p, () => ({ momentumBuffer: null }));
    // PyTorch's buffer starts as a clone of the first (decayed) gradient: the kernel writes it.
    const first = s.momentumBuffer === null;
    // Made after stateOf's init: zerosLikeParam makes it owned, not a loop temporary.
    if (o.momentum !== 0 && first) s.momentumBuffer = zerosLikeParam(p);
    k.sgdStep(p.ptr, g.ptr, ptrOf(s.momentumBuffer), p.size, o.lr, o.momentum, 1 - o.dampening, o.weightDecay, +o.nesterov, +first);
  }
}

/**
 * Options of `optim.Adam` / `optim.AdamW` (lr 1e-3, betas [0.9, 0.999], eps 1e-8 by default).
 *
 * PyTorch: `Adam(params, lr, betas, eps, weight_decay, amsgrad)`.
 * @example new optim.Adam(model.parameters(), { lr: 2e-4, betas: [0.5, 0.999] })
 */
export interface AdamOptions extends CommonOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator, outside the square root (default 1e-8). */
  eps?: number;
  /**
   * Adam: L2 penalty added to the gradient; AdamW: decoupled decay (default 0 and 1e-2). PyTorch: `weight_decay`.
   */
  weightDecay?: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad?: boolean;
}

type AdamGroup = ParamGroup<Required<AdamOptions>>;

class AdamBase extends FusedOptimizer<Required<AdamOptions>> {
  constructor(params: Params, args: Rest<AdamOptions>, defaultDecay: number, name: string, private readonly decoupled: boolean) {
    super(params, optimizerArgs(name, args, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'],
      { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: defaultDecay, amsgrad: false, ...COMMON }), name, ['eps', 'weightDecay']);
  }

  protected override validate(g: AdamGroup): void {
    super.validate(g);
    this.rangeCheck(g.betas, 'betas', g.betas.length === 2 && g.betas.every((b) => b >= 0 && b < 1));
  }

  protected update(p: Tensor, g: Tensor, o: AdamGroup, k: OptimKernels): void {
    const s = this.stateOf(p, () => ({
      step: 0, expAvg: zerosLikeParam(p), expAvgSq: zerosLikeParam(p), maxExpAvgSq: o.amsgrad ? zerosLikeParam(p) : null,
    }));
    const step = this.nextStep(s);
    const [beta1, beta2] = o.betas;
    const stepSize = o.lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    k.adamStep(p.ptr, g.ptr, ptrOf(s.expAvg), ptrOf(s.expAvgSq), ptrOf(s.maxExpAvgSq),
      p.size, beta1, 1 - beta1, beta2, 1 - beta2, -stepSize, bc2Sqrt, o.eps,
      this.decoupled ? 0 : o.weightDecay, this.decoupled ? 1 - o.lr * o.weightDecay : 1);
  }
}

/**
 * PyTorch's Adam(params, lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0, amsgrad=false);
 * weightDecay is an L2 term added to the gradient. new Adam(p, 0.01) or new Adam(p, { lr: 0.01 }).
 */
export class Adam extends AdamBase {
  constructor(params: Params, ...args: Rest<AdamOptions>) {
    super(params, args, 0, 'Adam', false);
  }
}

/** AdamW (same arguments, weightDecay default 0.01): decoupled weight decay applied to the parameter before the Adam step. */
export class AdamW extends AdamBase {
  constructor(params: Params, ...args: Rest<AdamOptions>) {
    super(params, args, 1e-2, 'AdamW', true);
  }
}

/**
 * Options of `optim.RMSprop` (lr 1e-2, alpha 0.99, eps 1e-8 by default).
 *
 * PyTorch: `RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered)`.
 * @example new optim.RMSprop(model.parameters(), { lr: 1e-3 })
 */
export interface RMSpropOptions extends CommonOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). PyTorch: `weight_decay`. */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment (default false). */
  centered?: boolean;
}

/** PyTorch's RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weightDecay=0, momentum=0, centered=false). */
export class RMSprop extends FusedOptimizer<Required<RMSpropOptions>> {
  constructor(params: Params, ...args: Rest<RMSpropOptions>) {
    super(params, optimizerArgs('RMSprop', args, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'],
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...COMMON }), 'RMSprop',
    ['eps', 'alpha', 'momentum', 'weightDecay']);
  }

  protected update(p: Tensor, g: Tensor, o: ParamGroup<Required<RMSpropOptions>>, k: OptimKernels): void {
    const s = this.stateOf(p, () => ({
      step: 0, squareAvg: zerosLikeParam(p),
      gradAvg: o.centered ? zerosLikeParam(p) : null,
      momentumBuffer: o.momentum > 0 ? zerosLikeParam(p) : null,
    }));
    this.nextStep(s);
    k.rmspropStep(p.ptr, g.ptr, ptrOf(s.squareAvg), ptrOf(s.gradAvg), ptrOf(s.momentumBuffer),
      p.size, o.alpha, 1 - o.alpha, -o.lr, o.eps, o.weightDecay, o.momentum);
  }
}

/**
 * Options of `optim.Adagrad` (lr 1e-2, eps 1e-10 by default).
 *
 * PyTorch: `Adagrad(params, lr, lr_decay, weight_decay, initial_accumulator_value, eps)`.
 * @example new optim.Adagrad(model.parameters(), { lr: 0.1 })
 */
export interface AdagradOptions extends CommonOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay per step (default 0). PyTorch: `lr_decay`. */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). PyTorch: `weight_decay`. */
  weightDecay?: number;
  /** Start value of the squared-gradient sum (default 0). PyTorch: `initial_accumulator_value`. */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
}

/** PyTorch's Adagrad(params, lr=1e-2, lrDecay=0, weightDecay=0, initialAccumulatorValue=0, eps=1e-10). */
export class Adagrad extends FusedOptimizer<Required<AdagradOptions>> {
  constructor(params: Params, ...args: Rest<AdagradOptions>) {
    super(params, optimizerArgs('Adagrad', args, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'],
      { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...COMMON }), 'Adagrad',
    ['lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
    // PyTorch creates Adagrad's state eagerly, in the constructor.
    for (const g of this.paramGroups) {
      for (const p of g.params) this.stateOf(p, () => ({ step: 0, sum: fullLikeParam(p, g.initialAccumulatorValue) }));
    }
  }

  protected update(p: Tensor, g: Tensor, o: ParamGroup<Required<AdagradOptions>>, k: OptimKernels): void {
    const s = this.state.get(p)!;
    const clr = o.lr / (1 + (this.nextStep(s) - 1) * o.lrDecay);
    k.adagradStep(p.ptr, g.ptr, ptrOf(s.sum), p.size, -clr, o.eps, o.weightDecay);
  }
}

/**
 * Options of `optim.Adadelta` (lr 1, rho 0.9, eps 1e-6 by default).
 *
 * PyTorch: `Adadelta(params, lr, rho, eps, weight_decay)`.
 * @example new optim.Adadelta(model.parameters(), { rho: 0.95 })
 */
export interface AdadeltaOptions extends CommonOptions {
  /** Scale of the update (default 1). */
  lr?: number;
  /** Decay rate of the running averages (default 0.9). */
  rho?: number;
  /** Added inside the square roots (default 1e-6). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). PyTorch: `weight_decay`. */
  weightDecay?: number;
}

/** PyTorch's Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weightDecay=0). */
export class Adadelta extends FusedOptimizer<Required<AdadeltaOptions>> {
  constructor(params: Params, ...args: Rest<AdadeltaOptions>) {
    super(params, optimizerArgs('Adadelta', args, ['lr', 'rho', 'eps', 'weightDecay'],
      { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, ...COMMON }), 'Adadelta', ['eps', 'weightDecay']);
  }

  protected override validate(g: ParamGroup<Required<AdadeltaOptions>>): void {
    super.validate(g);
    this.rangeCheck(g.rho, 'rho', g.rho >= 0 && g.rho <= 1);
  }

  protected update(p: Tensor, g: Tensor, o: ParamGroup<Required<AdadeltaOptions>>, k: OptimKernels): void {
    const s = this.stateOf(p, () => ({ step: 0, squareAvg: zerosLikeParam(p), accDelta: zerosLikeParam(p) }));
    this.nextStep(s);
    k.adadeltaStep(p.ptr, g.ptr, ptrOf(s.squareAvg), ptrOf(s.accDelta), p.size, o.rho, 1 - o.rho, -o.lr, o.eps, o.weightDecay);
  }
}
