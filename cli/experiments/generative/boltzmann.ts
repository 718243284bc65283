// Bernoulli restricted Boltzmann machine and a two-layer deep Boltzmann machine as modules.
// Training follows the gradient of the log-likelihood, positive (data) minus negative (model)
// statistics, written as the gradient of a surrogate: the mean energy (free energy for the RBM)
// of the data minus that of persistent Gibbs chains, with every sampled state detached. Its
// backward() then gives exactly ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model for each weight, as in PCD.
import { type Tensor, nn, noGrad, rand, randn, randint, zeros } from '../../../bindings/index.js';

/** Bernoulli samples of probabilities p (uniform draws below p). */
export function bernoulli(p: Tensor): Tensor {
  return rand(p.shape.slice()).lt(p);
}

export class RBM extends nn.Module {
  /** [hidden, visible], as scikit-learn's components_ (rows are the filters). */
  readonly weight: Tensor;
  readonly visibleBias: Tensor;
  readonly hiddenBias: Tensor;

  constructor(readonly visible: number, readonly hidden: number) {
    super();
    // scikit-learn's BernoulliRBM: weights N(0, 0.01²), zero biases.
    this.weight = this.registerParameter('weight', randn([hidden, visible], { std: 0.01 }));
    this.visibleBias = this.registerParameter('visibleBias', zeros([visible]));
    this.hiddenBias = this.registerParameter('hiddenBias', zeros([hidden]));
  }

  hiddenProb(v: Tensor): Tensor {
    return v.matmul(this.weight.T).add(this.hiddenBias).sigmoid();
  }

  visibleProb(h: Tensor): Tensor {
    return h.matmul(this.weight).add(this.visibleBias).sigmoid();
  }

  /** F(v) = −v·b − Σ_j softplus((v Wᵀ + c)_j), one value per row. */
  freeEnergy(v: Tensor): Tensor {
    return v.matmul(this.visibleBias).neg().sub(v.matmul(this.weight.T).add(this.hiddenBias).softplus().sum(1));
  }

  /** One Gibbs sweep v → h → v; returns the new binary visible state and its probabilities. */
  gibbs(v: Tensor): { v: Tensor; p: Tensor } {
    const p = this.visibleProb(bernoulli(this.hiddenProb(v)));
    return { v: bernoulli(p), p };
  }

  /** The mean-field reconstruction p(v | h ~ p(h | v)). */
  forward(v: Tensor): Tensor {
    return this.visibleProb(bernoulli(this.hiddenProb(v)));
  }

  /** The PCD surrogate: its gradient is the negative log-likelihood gradient estimate. */
  contrastiveLoss(data: Tensor, chain: Tensor): Tensor {
    return this.freeEnergy(data).mean().sub(this.freeEnergy(chain).mean());
  }

  /**
   * scikit-learn's pseudo-likelihood: for each row, flip one random pixel i and take
   * D · log σ(F(ṽ) − F(v)), an estimate of Σ_i log p(v_i | v_rest); mean over rows.
   */
  pseudoLikelihood(v: Tensor): number {
    return noGrad(() => {
      const d = v.shape[1];
      const flip = nn.functional.oneHot(randint(0, d, [v.shape[0]]), d);
      const flipped = v.add(flip).sub(v.mul(flip).mul(2));
      return this.freeEnergy(v).sub(this.freeEnergy(flipped)).softplus().mean().item() * -d;
    });
  }
}

/**
 * A two-layer DBM v — h1 — h2 (no connections within a layer, none from v to h2). Positive
 * phase: mean-field posteriors q(h1), q(h2) given the data; negative phase: persistent chains
 * sampled layer-wise (h1 given v and h2; then v and h2 given h1).
 */
export class DBM extends nn.Module {
  readonly w1: Tensor;
  readonly w2: Tensor;
  readonly visibleBias: Tensor;
  readonly bias1: Tensor;
  readonly bias2: Tensor;

  constructor(readonly sizes: [number, number, number]) {
    super();
    const [v, h1, h2] = sizes;
    this.w1 = this.registerParameter('w1', randn([h1, v], { std: 0.01 }));
    this.w2 = this.registerParameter('w2', randn([h2, h1], { std: 0.01 }));
    this.visibleBias = this.registerParameter('visibleBias', zeros([v]));
    this.bias1 = this.registerParameter('bias1', zeros([h1]));
    this.bias2 = this.registerParameter('bias2', zeros([h2]));
  }

  /**
   * Starts from two greedily pre-trained RBMs (v–h1 and h1–h2). h1 receives input from both,
   * so its bias is the mean of the two RBMs' biases for it.
   */
  initFrom(rbm1: RBM, rbm2: RBM): void {
    noGrad(() => {
      this.w1.copy_(rbm1.weight);
      this.w2.copy_(rbm2.weight);
      this.visibleBias.copy_(rbm1.visibleBias);
      this.bias1.copy_(rbm1.hiddenBias.add(rbm2.visibleBias).mul(0.5));
      this.bias2.copy_(rbm2.hiddenBias);
    });
  }

  h1Prob(v: Tensor, h2: Tensor): Tensor {
    return v.matmul(this.w1.T).add(h2.matmul(this.w2)).add(this.bias1).sigmoid();
  }

  h2Prob(h1: Tensor): Tensor {
    return h1.matmul(this.w2.T).add(this.bias2).sigmoid();
  }

  visibleProb(h1: Tensor): Tensor {
    return h1.matmul(this.w1).add(this.visibleBias).sigmoid();
  }

  /** Mean-field q(h1), q(h2) for data v (no gradient). */
  meanField(v: Tensor, iterations: number): [Tensor, Tensor] {
    return noGrad(() => {
      let mu1 = v.matmul(this.w1.T).add(this.bias1).sigmoid();
      let mu2 = this.h2Prob(mu1);
      for (let i = 0; i < iterations; i++) {
        mu1 = this.h1Prob(v, mu2);
        mu2 = this.h2Prob(mu1);
      }
      return [mu1, mu2];
    });
  }

  /** One Gibbs sweep of a chain (v, h1, h2): h1 | v, h2, then v | h1 and h2 | h1. */
  gibbs(state: [Tensor, Tensor, Tensor]): { state: [Tensor, Tensor, Tensor]; p: Tensor } {
    const [v, , h2] = state;
    const h1 = bernoulli(this.h1Prob(v, h2));
    const p = this.visibleProb(h1);
    return { state: [bernoulli(p), h1, bernoulli(this.h2Prob(h1))], p };
  }

  /** E(v, h1, h2) = −vᵀW1ᵀh1 − h1ᵀW2ᵀh2 − b·v − c1·h1 − c2·h2, one value per row. */
  energy(v: Tensor, h1: Tensor, h2: Tensor): Tensor {
    return v.matmul(this.w1.T).mul(h1).sum(1).add(h1.matmul(this.w2.T).mul(h2).sum(1))
      .add(v.matmul(this.visibleBias)).add(h1.matmul(this.bias1)).add(h2.matmul(this.bias2)).neg();
  }

  forward(v: Tensor): Tensor {
    const [mu1] = this.meanField(v, 5);
    return this.visibleProb(mu1);
  }

  /** The filters of the second layer seen in pixel space: W2·W1, [h2, v]. */
  secondLayerFilters(): Tensor {
    return noGrad(() => this.w2.matmul(this.w1));
  }
}
