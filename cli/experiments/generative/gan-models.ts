// GAN building blocks shared by the gan and vae experiments: an MLP generator/discriminator pair,
// a DCGAN pair (transposed convolutions, batch norm, leaky ReLU), and the alternating training
// loop (discriminator step on real and generated images, then a non-saturating generator step),
// with samples of a fixed noise batch after every epoch.
import { type Tensor, nn, noGrad, ones, optim, randn, zeros } from '../../../bindings/index.js';
import type { RunContext, Settings } from '../../registry.js';
import { MNIST_PIXELS, trainLoop } from './common.js';

const F = nn.functional;

/** z → hidden[0] → hidden[1] → 784 in [−1, 1] (tanh), leaky ReLU 0.2 between. */
export function mlpGenerator(latent: number, hidden: number[]): nn.Sequential {
  const layers: nn.Module[] = [];
  let width = latent;
  for (const h of hidden) layers.push(new nn.Linear(width, h), new nn.LeakyReLU(0.2)), (width = h);
  return new nn.Sequential(...layers, new nn.Linear(width, MNIST_PIXELS), new nn.Tanh());
}

/** 784 → hidden reversed → one logit (the loss applies the sigmoid). */
export function mlpDiscriminator(hidden: number[]): nn.Sequential {
  const layers: nn.Module[] = [];
  let width = MNIST_PIXELS;
  for (const h of [...hidden].reverse()) layers.push(new nn.Linear(width, h), new nn.LeakyReLU(0.2)), (width = h);
  return new nn.Sequential(new nn.Flatten(), ...layers, new nn.Linear(width, 1));
}

/** DCGAN generator: z [N, latent] → 2c×7×7 → c×14×14 → 1×28×28 (tanh), flattened to 784. */
export function dcganGenerator(latent: number, c: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Unflatten(1, [latent, 1, 1]),
    new nn.ConvTranspose2d(latent, 2 * c, 7, { bias: false }), new nn.BatchNorm2d(2 * c), new nn.ReLU(),
    new nn.ConvTranspose2d(2 * c, c, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(c), new nn.ReLU(),
    new nn.ConvTranspose2d(c, 1, 4, { stride: 2, padding: 1 }), new nn.Tanh(),
    new nn.Flatten(),
  );
}

/** DCGAN discriminator: 784 → 1×28×28 → c×14×14 → 2c×7×7 → one logit; leaky ReLU 0.2, batch norm inside. */
export function dcganDiscriminator(c: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Unflatten(1, [1, 28, 28]),
    new nn.Conv2d(1, c, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
    new nn.Conv2d(c, 2 * c, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(2 * c), new nn.LeakyReLU(0.2),
    new nn.Conv2d(2 * c, 1, 7), new nn.Flatten(),
  );
}

export interface GanEpoch {
  epoch: number;
  /** Mean discriminator loss (real + fake binary cross-entropy) over the epoch. */
  dLoss: number;
  /** Mean generator loss (−log D(G(z))). */
  gLoss: number;
  /** Mean D(x) on real and D(G(z)) on generated images. */
  dReal: number;
  dFake: number;
}

export interface GanRun {
  history: GanEpoch[];
  /** G(fixed noise) after every epoch, pixels mapped to [0, 1]: [epochs] × [n, 784]. */
  samples: Tensor[];
}

/** Pixels in [0, 1] → the generator's range [−1, 1]. */
export const toTanhRange = (x: Tensor) => x.mul(2).sub(1);

/** The generator's images mapped back to [0, 1]. */
export function generate(G: nn.Module, z: Tensor): Tensor {
  return noGrad(() => {
    G.eval();
    const out = G.forward(z).add(1).mul(0.5);
    G.train();
    return out;
  });
}

export function trainGan<S extends Settings>(ctx: RunContext<S>, o: {
  label: string; G: nn.Module; D: nn.Module; latent: number; batches: Iterable<Tensor[]> & { length: number };
  epochs: number; lrG: number; lrD: number; betas: [number, number]; fixedNoise: Tensor;
}): GanRun {
  const optG = new optim.Adam(o.G.parameters(), { lr: o.lrG, betas: o.betas });
  const optD = new optim.Adam(o.D.parameters(), { lr: o.lrD, betas: o.betas });
  const samples: Tensor[] = [];
  const history = trainLoop(ctx, {
    label: o.label, epochs: o.epochs, batches: o.batches,
    step: (x01) => {
      const n = x01.shape[0];
      const real = toTanhRange(x01);
      const fake = o.G.forward(randn([n, o.latent]));
      const yes = ones([n, 1]), no = zeros([n, 1]);
      // Discriminator: real → 1, generated → 0 (the generator is not updated here).
      optD.zeroGrad();
      const dReal = o.D.forward(real), dFake = o.D.forward(fake.detach());
      const dLoss = F.binaryCrossEntropyWithLogits(dReal, yes).add(F.binaryCrossEntropyWithLogits(dFake, no));
      dLoss.backward();
      optD.step();
      // Generator: make D call its images real (the non-saturating loss of Goodfellow et al.).
      optG.zeroGrad();
      const gLoss = F.binaryCrossEntropyWithLogits(o.D.forward(fake), yes);
      gLoss.backward();
      optG.step();
      return {
        dLoss: dLoss.item(), gLoss: gLoss.item(),
        dReal: noGrad(() => dReal.sigmoid().mean().item()), dFake: noGrad(() => dFake.sigmoid().mean().item()),
      };
    },
    after: () => {
      samples.push(generate(o.G, o.fixedNoise).keep());
    },
  });
  return { history: history as unknown as GanEpoch[], samples };
}

/** Up to `max` epochs spread evenly over 1..epochs (always the first and the last). */
export function spreadEpochs(epochs: number, max: number): number[] {
  if (epochs <= max) return Array.from({ length: epochs }, (_, i) => i + 1);
  return [...new Set(Array.from({ length: max }, (_, i) => 1 + Math.round((i * (epochs - 1)) / (max - 1))))];
}
