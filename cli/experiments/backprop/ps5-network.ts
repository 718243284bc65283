// The 2-7-1 sigmoid network of seed 002 with its 29 weights laid out as the seed draws them:
//   w1..w7    bias → hidden neuron j        (row 0 of the hidden weight matrix)
//   w8..w14   x_1  → hidden neuron j        (row 1)
//   w15..w21  x_2  → hidden neuron j        (row 2)
//   w22       bias → output,  w23..w29 hidden neuron j → output
// Two ways to train it on E = ½ Σ (y − ŷ)²:
//  - Q2, by hand: the seed's chain-rule formulas, vectorised over the rows and computed with the
//    engine's ops on tensors that do not require gradients, inside noGrad(): no tape is recorded.
//  - Q3, by autodiff: the same network as nn.Linear/nn.Sigmoid modules, loss.backward(), optim.SGD.
import { type Tensor, cat, nn, noGrad, ones, optim, tensor } from '../../../bindings/index.js';

export const HIDDEN = 7;
export const WEIGHTS = 3 * HIDDEN + HIDDEN + 1; // 29

/** The seed's name of weight k (0-based index into the 29). */
export const weightName = (k: number) => `w${k + 1}`;

/** Q2: the network as two weight tensors, trained with hand-written gradients. */
export class ManualNetwork {
  /** [3, 7]: rows bias, x_1, x_2 (w1..w21). */
  readonly hidden: Tensor;
  /** [8, 1]: rows bias, hidden 1..7 (w22..w29). */
  readonly output: Tensor;

  constructor(w: ArrayLike<number>) {
    const v = Array.from(w);
    this.hidden = tensor(v.slice(0, 3 * HIDDEN), { shape: [3, HIDDEN] }).keep();
    this.output = tensor(v.slice(3 * HIDDEN), { shape: [HIDDEN + 1, 1] }).keep();
  }

  /** [1, x] → α_h → β_h = σ(α_h) → [1, β_h] → α_o → ŷ = σ(α_o). Inputs carry their column of ones. */
  forward(xa: Tensor): { betaH: Tensor; betaA: Tensor; yPred: Tensor } {
    const betaH = xa.matmul(this.hidden).sigmoid();
    const betaA = cat([ones([betaH.shape[0], 1]), betaH], 1);
    return { betaH, betaA, yPred: betaA.matmul(this.output).sigmoid() };
  }

  /**
   * The seed's backward_propagation, all 29 formulas at once:
   *   s = (ŷ − y) ŷ (1 − ŷ)                              (one number per row)
   *   ∂E/∂w22 = Σ s,  ∂E/∂w(22+j) = Σ s β_hj             → βaᵀ s
   *   ∂E/∂wj = Σ s w(22+j) β_hj (1 − β_hj) · {1, x_1, x_2} → [1, x]ᵀ δ_h
   * then w ← w − η ∂E/∂w. Returns E before the step and the two gradients.
   */
  step(xa: Tensor, y: Tensor, lr: number): { loss: number; hidden: Tensor; output: Tensor } {
    return noGrad(() => {
      const { betaH, betaA, yPred } = this.forward(xa);
      const loss = halfSumOfSquares(yPred, y).item();
      const s = yPred.sub(y).mul(yPred).mul(yPred.neg().add(1));
      const gOut = betaA.T.matmul(s);
      const toHidden = this.output.slice(0, 1).T; // w23..w29 as a row [1, 7]
      const deltaH = s.matmul(toHidden).mul(betaH).mul(betaH.neg().add(1));
      const gHidden = xa.T.matmul(deltaH);
      this.hidden.sub_(gHidden, lr);
      this.output.sub_(gOut, lr);
      return { loss, hidden: gHidden, output: gOut };
    });
  }

  /** ½ Σ (y − ŷ)² and ŷ, without gradients. */
  evaluate(xa: Tensor, y: Tensor): { loss: number; yPred: Float32Array } {
    return noGrad(() => {
      const yPred = this.forward(xa).yPred;
      return { loss: halfSumOfSquares(yPred, y).item(), yPred: yPred.data() };
    });
  }

  /** The 29 weights in the seed's order. */
  weights(): Float64Array {
    return Float64Array.from([...this.hidden.data(), ...this.output.data()]);
  }
}

/** E = ½ Σ (y − ŷ)², the seed's loss. */
export const halfSumOfSquares = (yPred: Tensor, y: Tensor): Tensor => yPred.sub(y).square().sum().mul(0.5);

/** Q3 done right: the same weights in PyTorch-shaped modules, trained by autodiff. */
export function autodiffNetwork(w: ArrayLike<number>, outputSigmoid = true): nn.Sequential {
  const net = new nn.Sequential(new nn.Linear(2, HIDDEN), new nn.Sigmoid(), new nn.Linear(HIDDEN, 1), ...(outputSigmoid ? [new nn.Sigmoid()] : []));
  loadWeights(net, w);
  return net;
}

/** Puts the seed's 29 weights into the modules (Linear weights are [out, in]). */
export function loadWeights(net: nn.Sequential, w: ArrayLike<number>): void {
  const H = HIDDEN;
  const fc1w: number[] = [];
  for (let j = 0; j < H; j++) fc1w.push(w[H + j], w[2 * H + j]);
  const b = (from: number, n: number) => Array.from({ length: n }, (_, j) => w[from + j]);
  net.loadStateDict({
    '0.weight': { data: Float32Array.from(fc1w), shape: [H, 2] },
    '0.bias': { data: Float32Array.from(b(0, H)), shape: [H] },
    '2.weight': { data: Float32Array.from(b(3 * H + 1, H)), shape: [1, H] },
    '2.bias': { data: Float32Array.from([w[3 * H]]), shape: [1] },
  });
}

/** The modules' weights in the seed's order of the 29. */
export function readWeights(net: nn.Sequential): Float64Array {
  const sd = net.stateDict();
  const H = HIDDEN;
  const w = new Float64Array(WEIGHTS);
  for (let j = 0; j < H; j++) {
    w[j] = sd['0.bias'].data[j];
    w[H + j] = sd['0.weight'].data[2 * j];
    w[2 * H + j] = sd['0.weight'].data[2 * j + 1];
    w[3 * H + 1 + j] = sd['2.weight'].data[j];
  }
  w[3 * H] = sd['2.bias'].data[0];
  return w;
}

/** One full-batch gradient-descent epoch of an autodiff network: returns the loss before the step. */
export function autodiffStep(net: nn.Sequential, opt: optim.SGD, x: Tensor, y: Tensor, loss: (p: Tensor, y: Tensor) => Tensor): number {
  opt.zeroGrad();
  const l = loss(net.forward(x), y);
  l.backward();
  opt.step();
  return l.item();
}
