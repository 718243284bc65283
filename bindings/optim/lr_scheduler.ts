/**
 * Learning-rate schedulers with PyTorch 1.13's recursive ("chainable") formulas: each step
 * derives the new lr from the group's current lr, so values match torch to the last bit and
 * schedulers compose as in PyTorch. Call step() after optimizer.step().
 */
import type { Optimizer } from './optimizer.js';

export abstract class LRScheduler<O extends { lastEpoch?: number } = { lastEpoch?: number }> {
  lastEpoch: number;
  readonly baseLrs: number[];

  constructor(readonly optimizer: Optimizer<{ lr: number }>, readonly options: O) {
    const lastEpoch = options.lastEpoch ?? -1;
    if (lastEpoch === -1) for (const g of optimizer.paramGroups) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
    this.lastEpoch = lastEpoch;
    this.step();
  }

  protected abstract getLr(): number[];

  step(): void {
    this.lastEpoch++;
    this.getLr().forEach((lr, i) => { this.optimizer.paramGroups[i].lr = lr; });
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected lrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice() };
  }

  loadStateDict(sd: { lastEpoch: number }): void {
    this.lastEpoch = sd.lastEpoch;
  }
}

/** Multiplies the lr by gamma every stepSize steps. */
export class StepLR extends LRScheduler<{ stepSize: number; gamma?: number; lastEpoch?: number }> {
  protected getLr(): number[] {
    const { stepSize, gamma = 0.1 } = this.options;
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return this.lrs();
    return this.lrs().map((lr) => lr * gamma);
  }
}

/** Multiplies the lr by gamma every step. */
export class ExponentialLR extends LRScheduler<{ gamma: number; lastEpoch?: number }> {
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs();
    return this.lrs().map((lr) => lr * this.options.gamma);
  }
}

/** Cosine annealing from the base lr to etaMin over tMax steps (then back up, as PyTorch's). */
export class CosineAnnealingLR extends LRScheduler<{ tMax: number; etaMin?: number; lastEpoch?: number }> {
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
