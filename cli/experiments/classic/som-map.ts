// A self-organising map as MiniSom (the library the seed's parameters come from) trains one:
// each iteration takes one random sample, finds its best-matching unit (BMU), and pulls every
// unit towards the sample by η(t)·h(BMU, unit), with η and σ decaying as x/(1 + t/(T/2)).
// Distances, the neighbourhood and the update are engine ops on a [units, d] weight tensor.
import { type Tensor, noGrad, randint, tensor } from '../../../bindings/index.js';

export type Neighborhood = 'gaussian' | 'triangle';

export interface SomOptions {
  rows: number;
  cols: number;
  sigma: number;
  lr: number;
  neighborhood: Neighborhood;
}

export class Som {
  readonly units: number;
  /** Unit weights, one row per unit (unit u sits at grid row ⌊u / cols⌋, column u mod cols). */
  readonly weights: Tensor;
  /** |row difference| and |column difference| between every pair of units: [units, units]. */
  private readonly dRow: Tensor;
  private readonly dCol: Tensor;

  constructor(readonly o: SomOptions, init: number[][]) {
    this.units = o.rows * o.cols;
    if (init.length !== this.units) throw new RangeError(`Som: ${init.length} initial weights for a ${o.rows}×${o.cols} map`);
    this.weights = tensor(init).keep();
    const pos = Array.from({ length: this.units }, (_, u) => [Math.floor(u / o.cols), u % o.cols]);
    this.dRow = tensor(pos.map((a) => pos.map((b) => Math.abs(a[0] - b[0])))).keep();
    this.dCol = tensor(pos.map((a) => pos.map((b) => Math.abs(a[1] - b[1])))).keep();
  }

  /** Squared distances from every row of X to every unit: ‖x‖² − 2x·w + ‖w‖², [n, units]. */
  distances(X: Tensor): Tensor {
    return noGrad(() => X.square().sum(1, true).sub(X.matmul(this.weights.T).mul(2)).add(this.weights.square().sum(1).reshape(1, this.units)).clamp(0));
  }

  /** The best-matching unit of every row of X. */
  winners(X: number[][]): number[] {
    return Array.from(this.distances(tensor(X)).argmin(1).data());
  }

  /** h(c, ·) over the map: MiniSom's Gaussian exp(−Δr²/2σ²)·exp(−Δc²/2σ²) or triangle max(0, σ−|Δr|)·max(0, σ−|Δc|). */
  private neighborhood(c: number, sigma: number): Tensor {
    const r = this.dRow.slice(0, c, c + 1).reshape(this.units, 1);
    const k = this.dCol.slice(0, c, c + 1).reshape(this.units, 1);
    if (this.o.neighborhood === 'gaussian') return r.square().add(k.square()).div(-2 * sigma * sigma).exp();
    return r.neg().add(sigma).relu().mul(k.neg().add(sigma).relu());
  }

  /** MiniSom's train_random: `iterations` updates, each with one sample drawn at random. */
  train(X: number[][], iterations: number): void {
    const data = tensor(X).keep();
    const picks = randint(X.length, [Math.max(1, iterations)]).data();
    noGrad(() => {
      for (let t = 0; t < iterations; t++) {
        const decay = 1 / (1 + t / (iterations / 2));
        const x = data.slice(0, picks[t], picks[t] + 1);
        const c = this.distances(x).argmin(1).item();
        const h = this.neighborhood(c, this.o.sigma * decay).mul(this.o.lr * decay);
        this.weights.add_(x.sub(this.weights).mul(h));
      }
    });
    data.dispose();
  }

  /** Quantisation error: mean distance from each sample to its BMU. */
  quantizationError(X: number[][]): number {
    const d = this.distances(tensor(X)).min(1).sqrt().mean().item();
    return d;
  }

  /**
   * The U-matrix (MiniSom's distance_map with scaling 'mean'): each unit's mean distance to its
   * eight grid neighbours, divided by the largest, [rows][cols].
   */
  uMatrix(): number[][] {
    const w = this.weights;
    const dist = noGrad(() => w.square().sum(1, true).sub(w.matmul(w.T).mul(2)).add(w.square().sum(1).reshape(1, this.units)).clamp(0).sqrt()).data();
    const { rows, cols } = this.o;
    const u: number[][] = [];
    for (let i = 0; i < rows; i++) {
      u.push([]);
      for (let j = 0; j < cols; j++) {
        let s = 0, n = 0;
        for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) {
          const a = i + di, b = j + dj;
          if ((di || dj) && a >= 0 && a < rows && b >= 0 && b < cols) {
            s += dist[(i * cols + j) * this.units + a * cols + b];
            n++;
          }
        }
        u[i].push(n ? s / n : 0);
      }
    }
    const max = Math.max(...u.flat()) || 1;
    return u.map((r) => r.map((v) => v / max));
  }

  weightRows(): number[][] {
    return this.weights.toArray() as number[][];
  }
}
