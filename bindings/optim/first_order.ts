/**
 * First-order optimisers with PyTorch 1.13's semantics and defaults (the single-tensor code
 * paths of torch/optim/{sgd,adam,adamw,rmsprop,adagrad,adadelta}.py). Scalars such as bias
 * corrections are computed here in float64 as Python does, then handed to the fused kernel.
 */
import { Tensor } from '../tensor.js';
import { Closure, Optimizer, ParamGroup, Params, optimKernels, zerosLikeParam, fullLikeParam } from './optimizer.js';

const ptrOf = (t: Tensor | null | undefined): number => (t ? t.ptr : 0);

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: Params, options: SGDOptions) {
    if (options?.lr === undefined) throw new TypeError('SGD: options.lr is required (as in PyTorch)');
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options }, 'SGD');
  }

  protected override validate(g: ParamGroup<Required<SGDOptions>>): void {
    super.validate(g);
    this.rangeCheck(g.momentum, 'momentum', g.momentum >= 0);
    this.rangeCheck(g.weightDecay, 'weightDecay', g.weightDecay >= 0);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    this.eachWithGrad((p, g, o) => {
      const s = this.stateOf(p, () => ({ momentumBuffer: null }));
      let buf = s.momentumBuffer as Tensor | null;
      const first = buf === null;
      if (o.momentum !== 0 && first) s.momentumBuffer = buf = zerosLikeParam(p);
      k.sgdStep(p.ptr, g.ptr, ptrOf(buf), p.size, o.lr, o.momentum, 1 - o.dampening, o.weightDecay, +o.nesterov, +first);
    });
    return loss;
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

class AdamBase extends Optimizer<Required<AdamOptions>> {
  constructor(params: Params, options: AdamOptions, defaultDecay: number, name: string, private readonly decoupled: boolean) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: defaultDecay, amsgrad: false, ...options }, name);
  }

  protected override validate(g: AdamGroup): void {
    super.validate(g);
    this.rangeCheck(g.eps, 'eps', g.eps >= 0);
    this.rangeCheck(g.betas, 'betas', g.betas.length === 2 && g.betas.every((b) => b >= 0 && b < 1));
    this.rangeCheck(g.weightDecay, 'weightDecay', g.weightDecay >= 0);
  }

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    this.eachWithGrad((p, g, o) => {
      const s = this.stateOf(p, () => ({
        step: 0, expAvg: zerosLikeParam(p), expAvgSq: zerosLikeParam(p), maxExpAvgSq: o.amsgrad ? zerosLikeParam(p) : null,
      }));
      const step = (s.step as number) + 1;
      s.step = step;
      const [beta1, beta2] = o.betas;
      const stepSize = o.lr / (1 - beta1 ** step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
      k.adamStep(p.ptr, g.ptr, (s.expAvg as Tensor).ptr, (s.expAvgSq as Tensor).ptr, ptrOf(s.maxExpAvgSq as Tensor | null),
        p.size, beta1, 1 - beta1, beta2, 1 - beta2, -stepSize, bc2Sqrt, o.eps,
        this.decoupled ? 0 : o.weightDecay, this.decoupled ? 1 - o.lr * o.weightDecay : 1);
    });
    return loss;
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

export class RMSprop extends Optimizer<Required<RMSpropOptions>> {
  constructor(params: Params, options: RMSpropOptions = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...options }, 'RMSprop');
  }

  protected override validate(g: ParamGroup<Required<RMSpropOptions>>): void {
    super.validate(g);
    this.rangeCheck(g.eps, 'eps', g.eps >= 0);
    this.rangeCheck(g.alpha, 'alpha', g.alpha >= 0);
    this.rangeCheck(g.momentum, 'momentum', g.momentum >= 0);
    this.rangeCheck(g.weightDecay, 'weightDecay', g.weightDecay >= 0);
  }

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    this.eachWithGrad((p, g, o) => {
      const s = this.stateOf(p, () => ({
        step: 0, squareAvg: zerosLikeParam(p),
        gradAvg: o.centered ? zerosLikeParam(p) : null,
        momentumBuffer: o.momentum > 0 ? zerosLikeParam(p) : null,
      }));
      s.step = (s.step as number) + 1;
      k.rmspropStep(p.ptr, g.ptr, (s.squareAvg as Tensor).ptr, ptrOf(s.gradAvg as Tensor | null), ptrOf(s.momentumBuffer as Tensor | null),
        p.size, o.alpha, 1 - o.alpha, -o.lr, o.eps, o.weightDecay, o.momentum);
    });
    return loss;
  }
}

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends Optimizer<Required<AdagradOptions>> {
  constructor(params: Params, options: AdagradOptions = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...options }, 'Adagrad');
    // PyTorch creates Adagrad's state eagerly, in the constructor.
    for (const g of this.paramGroups) {
      for (const p of g.params) this.stateOf(p, () => ({ step: 0, sum: fullLikeParam(p, g.initialAccumulatorValue) }));
    }
  }

  protected override validate(g: ParamGroup<Required<AdagradOptions>>): void {
    super.validate(g);
    this.rangeCheck(g.lrDecay, 'lrDecay', g.lrDecay >= 0);
    this.rangeCheck(g.weightDecay, 'weightDecay', g.weightDecay >= 0);
    this.rangeCheck(g.initialAccumulatorValue, 'initialAccumulatorValue', g.initialAccumulatorValue >= 0);
    this.rangeCheck(g.eps, 'eps', g.eps >= 0);
  }

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    this.eachWithGrad((p, g, o) => {
      const s = this.state.get(p)!;
      const step = (s.step as number) + 1;
      s.step = step;
      const clr = o.lr / (1 + (step - 1) * o.lrDecay);
      k.adagradStep(p.ptr, g.ptr, (s.sum as Tensor).ptr, p.size, -clr, o.eps, o.weightDecay);
    });
    return loss;
  }
}

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adadelta extends Optimizer<Required<AdadeltaOptions>> {
  constructor(params: Params, options: AdadeltaOptions = {}) {
    super(params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, ...options }, 'Adadelta');
  }

  protected override validate(g: ParamGroup<Required<AdadeltaOptions>>): void {
    super.validate(g);
    this.rangeCheck(g.rho, 'rho', g.rho >= 0 && g.rho <= 1);
    this.rangeCheck(g.eps, 'eps', g.eps >= 0);
    this.rangeCheck(g.weightDecay, 'weightDecay', g.weightDecay >= 0);
  }

  step(closure?: Closure): number | undefined {
    const loss = this.evalClosure(closure);
    const k = optimKernels();
    this.eachWithGrad((p, g, o) => {
      const s = this.stateOf(p, () => ({ step: 0, squareAvg: zerosLikeParam(p), accDelta: zerosLikeParam(p) }));
      s.step = (s.step as number) + 1;
      k.adadeltaStep(p.ptr, g.ptr, (s.squareAvg as Tensor).ptr, (s.accDelta as Tensor).ptr, p.size,
        o.rho, 1 - o.rho, -o.lr, o.eps, o.weightDecay);
    });
    return loss;
  }
}
