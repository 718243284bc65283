/**
 * Learning-rate schedulers with PyTorch 1.13's recursive ("chainable") formulas: each step
 * derives the new lr from the group's current lr, so values match torch to the last bit and
 * schedulers compose as in PyTorch. Call step() after optimizer.step().
 */
import { Optimizer } from './optimizer.js';
import { bindArgs, intArg, numberArg, show, unsupported } from '../args.js';

/**
 * A scheduler's arguments as PyTorch binds them: positionally after the optimiser in PyTorch's
 * order (`new StepLR(opt, 10, 0.5)`), or by name (`new StepLR(opt, { stepSize: 10, gamma: 0.5 })`).
 */
function schedulerArgs(name: string, optimizer: unknown, args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: optimizer must be an optimizer (e.g. new optim.SGD(...)), got ${show(optimizer)}`);
  const o = bindArgs(name, args, [...names, 'lastEpoch', 'verbose']);
  intArg(name, 'lastEpoch', o.lastEpoch, -1, -1);
  unsupported(name, 'verbose', o.verbose, false, 'read getLastLr() instead');
  delete o.verbose;
  return o;
}

/**
 * Base of the learning-rate schedulers: call `step()` once per epoch, after `optimizer.step()`.
 *
 * PyTorch: `torch.optim.lr_scheduler.LRScheduler`.
 * @example const sched = new optim.StepLR(opt, { stepSize: 10, gamma: 0.1 });
 */
export abstract class LRScheduler<O extends { lastEpoch?: number } = { lastEpoch?: number }> {
  /** How many times `step()` has been called (−1 before the first). PyTorch: `last_epoch`. */
  lastEpoch: number;
  /** Each group's learning rate when the scheduler was made. PyTorch: `base_lrs`. */
  readonly baseLrs: number[];

  constructor(readonly optimizer: Optimizer<{ lr: number }>, readonly options: O) {
    const lastEpoch = options.lastEpoch ?? -1;
    if (lastEpoch === -1) for (const g of optimizer.paramGroups) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
    this.lastEpoch = lastEpoch;
    this.step();
  }

  protected abstract getLr(): number[];

  /**
   * Advances one epoch and sets every group's learning rate; call after `optimizer.step()`.
   *
   * PyTorch: `scheduler.step()`.
   * @example sched.step();
   */
  step(): void {
    this.lastEpoch++;
    this.getLr().forEach((lr, i) => { this.optimizer.paramGroups[i].lr = lr; });
  }

  /**
   * The learning rates the last `step()` set, one per group.
   *
   * PyTorch: `get_last_lr()`.
   * @example sched.getLastLr()[0]
   */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected lrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The scheduler's state as plain data, for a checkpoint.
   *
   * PyTorch: `state_dict()`.
   * @example const s = sched.stateDict();
   */
  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice() };
  }

  /**
   * Restores a state saved by `stateDict()`.
   *
   * PyTorch: `load_state_dict()`.
   * @example sched.loadStateDict(s);
   */
  loadStateDict(sd: { lastEpoch: number }): void {
    this.lastEpoch = sd.lastEpoch;
  }
}

/** Multiplies the lr by gamma every stepSize steps: PyTorch's StepLR(optimizer, stepSize, gamma=0.1, lastEpoch=-1). */
export class StepLR extends LRScheduler<{ stepSize: number; gamma?: number; lastEpoch?: number }> {
  constructor(optimizer: Optimizer<{ lr: number }>, ...args: (number | { stepSize?: number; gamma?: number; lastEpoch?: number } | undefined)[]) {
    const o = schedulerArgs('StepLR', optimizer, args, ['stepSize', 'gamma']);
    const stepSize = intArg('StepLR', 'stepSize', o.stepSize, undefined, 1);
    super(optimizer, { ...o, stepSize, gamma: numberArg('StepLR', 'gamma', o.gamma, 0.1) });
  }

  protected getLr(): number[] {
    const { stepSize, gamma = 0.1 } = this.options;
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return this.lrs();
    return this.lrs().map((lr) => lr * gamma);
  }
}

/** Multiplies the lr by gamma every step: PyTorch's ExponentialLR(optimizer, gamma, lastEpoch=-1). */
export class ExponentialLR extends LRScheduler<{ gamma: number; lastEpoch?: number }> {
  constructor(optimizer: Optimizer<{ lr: number }>, ...args: (number | { gamma?: number; lastEpoch?: number } | undefined)[]) {
    const o = schedulerArgs('ExponentialLR', optimizer, args, ['gamma']);
    super(optimizer, { ...o, gamma: numberArg('ExponentialLR', 'gamma', o.gamma) });
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs();
    return this.lrs().map((lr) => lr * this.options.gamma);
  }
}

/**
 * Cosine annealing from the base lr to etaMin over tMax steps (then back up, as PyTorch's):
 * PyTorch's CosineAnnealingLR(optimizer, tMax, etaMin=0, lastEpoch=-1).
 */
export class CosineAnnealingLR extends LRScheduler<{ tMax: number; etaMin?: number; lastEpoch?: number }> {
  constructor(optimizer: Optimizer<{ lr: number }>, ...args: (number | { tMax?: number; etaMin?: number; lastEpoch?: number } | undefined)[]) {
    const o = schedulerArgs('CosineAnnealingLR', optimizer, args, ['tMax', 'etaMin']);
    const tMax = intArg('CosineAnnealingLR', 'tMax', o.tMax, undefined, 1);
    super(optimizer, { ...o, tMax, etaMin: numberArg('CosineAnnealingLR', 'etaMin', o.etaMin, 0) });
  }

  protected getLr(): number[] {
    const { tMax, etaMin = 0 } = this.options;
    const e = this.lastEpoch;
    if (e === 0) return this.lrs();
    // Python's % is non-negative for a positive modulus.
    const mod = (a: number, m: number) => ((a % m) + m) % m;
    if (mod(e - 1 - tMax, 2 * tMax) === 0) {
      return this.lrs().map((lr, i) => lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    return this.lrs().map((lr) =>
      (1 + Math.cos(Math.PI * e / tMax)) / (1 + Math.cos(Math.PI * (e - 1) / tMax)) * (lr - etaMin) + etaMin);
  }
}
