/**
 * First-order optimisers with PyTorch 1.13's semantics and defaults (the single-tensor code
 * paths of torch/optim/{sgd,adam,adamw,rmsprop,adagrad,adadelta}.py). Scalars such as bias
 * corrections are computed here in float64 as Python does, then handed to the fused kernel.
 */
import { Tensor } from '../tensor.js';
import { Closure, Optimizer, OptimKernels, ParamGroup, ParamState, Params, optimKernels, zerosLikeParam, fullLikeParam } from './optimizer.js';

const ptrOf = (t: StateOrNull): number => (t ? (t as Tensor).ptr : 0);
type StateOrNull = ParamState[string];

/** An optimiser whose step is one fused kernel call per parameter that has a gradient. */
abstract class FusedOptimizer<O extends { lr: number }> extends Optimizer<O> {
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<O>, k: OptimKernels): void;

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    this.eachWithGrad((p, g, group) => this.update(p, g, group, k));
    return loss;
  }

  /** Increments and returns the per-parameter step count. */
  protected nextStep(s: ParamState): number {
    s.step = (s.step as number) + 1;
    return s.step;
  }
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends FusedOptimizer<Required<SGDOptions>> {
  constructor(params: Params, options: SGDOptions) {
    if (options?.lr === undefined) throw new TypeError('SGD: options.lr is required (as in PyTorch)');
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options }, 'SGD', ['momentum', 'weightDecay']);
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
    if (o.momentum !== 0 && first) s.momentumBuffer = zerosLikeParam(p);
    k.sgdStep(p.ptr, g.ptr, ptrOf(s.momentumBuffer), p.size, o.lr, o.momentum, 1 - o.dampening, o.weightDecay, +o.nesterov, +first);
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

type AdamGroup = ParamGroup<Required<AdamOptions>>;

class AdamBase extends FusedOptimizer<Required<AdamOptions>> {
  constructor(params: Params, options: AdamOptions, defaultDecay: number, name: string, private readonly decoupled: boolean) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: defaultDecay, amsgrad: false, ...options }, name, ['eps', 'weightDecay']);
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

/** Adam; weightDecay is an L2 term added to the gradient. */
export class Adam extends AdamBase {
  constructor(params: Params, options: AdamOptions = {}) {
    super(params, options, 0, 'Adam', false);
  }
}

/** AdamW: decoupled weight decay (default 0.01) applied to the parameter before the Adam step. */
export class AdamW extends AdamBase {
  constructor(params: Params, options: AdamOptions = {}) {
    super(params, options, 1e-2, 'AdamW', true);
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSprop extends FusedOptimizer<Required<RMSpropOptions>> {
  constructor(params: Params, options: RMSpropOptions = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...options }, 'RMSprop',
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

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends FusedOptimizer<Required<AdagradOptions>> {
  constructor(params: Params, options: AdagradOptions = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...options }, 'Adagrad',
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

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adadelta extends FusedOptimizer<Required<AdadeltaOptions>> {
  constructor(params: Params, options: AdadeltaOptions = {}) {
    super(params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, ...options }, 'Adadelta', ['eps', 'weightDecay']);
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
