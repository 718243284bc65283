// Variational autoencoders: the course notebook's MLP VAE for MNIST (784 → middle (ReLU) → μ, log σ²;
// z = μ + σ·ε; z → middle (ReLU) → 784 (sigmoid)) and the seed's convolutional VAE for CIFAR-10
// (three stride-2 convolutions 64/128/256 of kernel 4 with batch norm and leaky ReLU, a middle
// layer, and transposed convolutions back to a tanh image). The loss is the course's:
// reconstruction summed over pixels and averaged over the batch, plus the KL divergence
// ½ Σ (σ² + μ² − 1 − log σ²) averaged over the batch.
import { type Tensor, nn, randn } from '../../../bindings/index.js';

const F = nn.functional;

export interface VaeLoss {
  total: Tensor;
  recon: Tensor;
  kl: Tensor;
}

export abstract class Vae extends nn.Module {
  abstract readonly latent: number;
  abstract encode(x: Tensor): [Tensor, Tensor];
  abstract decode(z: Tensor): Tensor;
  /** Reconstruction term summed over one image (BCE for sigmoid outputs, squared error for tanh ones). */
  protected abstract reconstruction(recon: Tensor, x: Tensor): Tensor;

  /** The mean reconstruction (z = μ), as used for showing reconstructions. */
  forward(x: Tensor): Tensor {
    return this.decode(this.encode(x)[0]);
  }

  loss(x: Tensor): VaeLoss {
    const n = x.shape[0];
    const [mu, logVar] = this.encode(x);
    const z = mu.add(logVar.mul(0.5).exp().mul(randn([n, this.latent])));
    const recon = this.reconstruction(this.decode(z), x).div(n);
    const kl = logVar.exp().add(mu.square()).sub(1).sub(logVar).sum().mul(0.5 / n);
    return { total: recon.add(kl), recon, kl };
  }
}

export class MlpVae extends Vae {
  readonly encoder: nn.Sequential;
  readonly toMu: nn.Linear;
  readonly toLogVar: nn.Linear;
  readonly decoder: nn.Sequential;

  constructor(readonly middle: number, readonly latent: number, readonly pixels = 784) {
    super();
    this.encoder = this.registerModule('encoder', new nn.Sequential(new nn.Linear(pixels, middle), new nn.ReLU()));
    this.toMu = this.registerModule('toMu', new nn.Linear(middle, latent));
    this.toLogVar = this.registerModule('toLogVar', new nn.Linear(middle, latent));
    this.decoder = this.registerModule('decoder', new nn.Sequential(new nn.Linear(latent, middle), new nn.ReLU(), new nn.Linear(middle, pixels), new nn.Sigmoid()));
  }

  encode(x: Tensor): [Tensor, Tensor] {
    const h = this.encoder.forward(x);
    return [this.toMu.forward(h), this.toLogVar.forward(h)];
  }

  decode(z: Tensor): Tensor {
    return this.decoder.forward(z);
  }

  protected reconstruction(recon: Tensor, x: Tensor): Tensor {
    return F.binaryCrossEntropy(recon, x, { reduction: 'sum' });
  }
}

export class ConvVae extends Vae {
  readonly encoder: nn.Sequential;
  readonly toMu: nn.Linear;
  readonly toLogVar: nn.Linear;
  readonly decoder: nn.Sequential;

  /** channels: the three convolution widths (the seed's 64, 128, 256); 32 × 32 RGB images in [−1, 1]. */
  constructor(readonly channels: number[], readonly middle: number, readonly latent: number) {
    super();
    const [c1, c2, c3] = channels;
    const flat = c3 * 4 * 4;
    const lrelu = () => new nn.LeakyReLU(0.2);
    this.encoder = this.registerModule('encoder', new nn.Sequential(
      new nn.Conv2d(3, c1, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(c1), lrelu(), // 32 → 16
      new nn.Conv2d(c1, c2, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(c2), lrelu(), // 16 → 8
      new nn.Conv2d(c2, c3, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(c3), lrelu(), // 8 → 4
      new nn.Flatten(), new nn.Linear(flat, middle), lrelu(),
    ));
    this.toMu = this.registerModule('toMu', new nn.Linear(middle, latent));
    this.toLogVar = this.registerModule('toLogVar', new nn.Linear(middle, latent));
    this.decoder = this.registerModule('decoder', new nn.Sequential(
      new nn.Linear(latent, middle), new nn.ReLU(), new nn.Linear(middle, flat), new nn.ReLU(), new nn.Unflatten(1, [c3, 4, 4]),
      new nn.ConvTranspose2d(c3, c2, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(c2), new nn.ReLU(), // 4 → 8
      new nn.ConvTranspose2d(c2, c1, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(c1), new nn.ReLU(), // 8 → 16
      new nn.ConvTranspose2d(c1, 3, 4, { stride: 2, padding: 1 }), new nn.Tanh(), // 16 → 32
    ));
  }

  encode(x: Tensor): [Tensor, Tensor] {
    const h = this.encoder.forward(x);
    return [this.toMu.forward(h), this.toLogVar.forward(h)];
  }

  decode(z: Tensor): Tensor {
    return this.decoder.forward(z);
  }

  protected reconstruction(recon: Tensor, x: Tensor): Tensor {
    return recon.sub(x).square().sum();
  }
}
