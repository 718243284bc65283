// Seed 004, part 2: the four models with forward AND backward passes written by hand. Each layer
// keeps what its backward pass needs and returns ∂L/∂input from ∂L/∂output, filling its own
// parameter gradients on the way. Everything is computed with the engine's ops on tensors that
// do not require gradients, inside noGrad(): no tape is recorded and backward() is never called.
//
// The derivatives (the seed's part 2(a), in PyTorch's [out, in] weight layout):
//   softmax + cross-entropy   ∂L/∂z = (p − t) / N           (mean over the batch of N)
//   linear z = x Wᵀ + b       ∂L/∂W = (∂L/∂z)ᵀ x,  ∂L/∂b = Σ_rows ∂L/∂z,  ∂L/∂x = (∂L/∂z) W
//   ReLU                      ∂L/∂x = ∂L/∂y ⊙ [x > 0]
//   max-pool 2×2              ∂L/∂y goes to the window's first largest input, 0 elsewhere
//   conv 3×3, padding 1       ∂L/∂x = conv_transpose(∂L/∂y, W): every output pixel sends W back
//                             over the 3×3 inputs it read (the seed's ∂C(i,j,k)/∂I(x,y,z) = W^k(a,b,z));
//                             ∂L/∂W[o,c] = Σ_n Σ_hw ∂L/∂y[n,o,h,w] · x_pad[n,c,h+i,w+j]: a correlation of the
//                             input with the output gradient, computed as conv2d with the batch as channels;
//                             ∂L/∂b[o] = Σ over batch and pixels of ∂L/∂y[n,o]
import { type Tensor, nn, noGrad, oneHot } from '../../../bindings/index.js';

/** A parameter and the gradient its layer's backward pass last wrote. */
export interface ManualParam {
  name: string;
  value: Tensor;
  grad: Tensor | null;
}

export interface ManualLayer {
  readonly kind: string;
  forward(x: Tensor): Tensor;
  /** ∂L/∂input from ∂L/∂output; `needInput` false skips it for the first layer. */
  backward(dy: Tensor, needInput: boolean): Tensor | null;
  params(): ManualParam[];
}

/** A copy of a module's parameter that the hand-written network owns (kept: it lives for the whole run). */
const own = (t: Tensor): Tensor => noGrad(() => t.detach().clone()).keep();

class Linear implements ManualLayer {
  readonly kind = 'linear';
  private x!: Tensor;
  readonly w: ManualParam;
  readonly b: ManualParam;
  constructor(layer: nn.Linear, name: string) {
    this.w = { name: `${name}.weight`, value: own(layer.weight), grad: null };
    this.b = { name: `${name}.bias`, value: own(layer.bias!), grad: null };
  }
  forward(x: Tensor): Tensor {
    this.x = x;
    return x.matmul(this.w.value.T).add(this.b.value);
  }
  backward(dz: Tensor, needInput: boolean): Tensor | null {
    this.w.grad = dz.T.matmul(this.x);
    this.b.grad = dz.sum(0);
    return needInput ? dz.matmul(this.w.value) : null;
  }
  params(): ManualParam[] {
    return [this.w, this.b];
  }
}

class ReLU implements ManualLayer {
  readonly kind = 'relu';
  private mask!: Tensor;
  forward(x: Tensor): Tensor {
    this.mask = x.gt(0);
    return x.relu();
  }
  backward(dy: Tensor): Tensor {
    return dy.mul(this.mask);
  }
  params(): ManualParam[] {
    return [];
  }
}

class Flatten implements ManualLayer {
  readonly kind = 'flatten';
  private shape!: number[];
  forward(x: Tensor): Tensor {
    this.shape = x.shape.slice();
    return x.reshape([x.shape[0], -1]);
  }
  backward(dy: Tensor): Tensor {
    return dy.reshape(this.shape);
  }
  params(): ManualParam[] {
    return [];
  }
}

/**
 * 2×2 max-pooling with stride 2. The four inputs of every window are gathered as a row
 * [rows·cols, 4] in the order (0,0), (0,1), (1,0), (1,1); the forward pass takes their max, and
 * the backward pass sends each output gradient to the argmax (the first of equal maxima, as the
 * engine's pooling kernel and PyTorch do), through a one-hot mask.
 */
class MaxPool2 implements ManualLayer {
  readonly kind = 'maxpool';
  private shape!: number[];
  private winner!: Tensor;
  forward(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape;
    this.shape = x.shape.slice();
    const windows = x.reshape([n * c * (h / 2), 2, w / 2, 2]).permute(0, 2, 1, 3).reshape([-1, 4]);
    this.winner = oneHot(windows.argmax(1), 4);
    return windows.max(1).reshape([n, c, h / 2, w / 2]);
  }
  backward(dy: Tensor): Tensor {
    const [n, c, h, w] = this.shape;
    return this.winner.mul(dy.reshape([-1, 1])).reshape([n * c * (h / 2), w / 2, 2, 2]).permute(0, 2, 1, 3).reshape([n, c, h, w]);
  }
  params(): ManualParam[] {
    return [];
  }
}

/** 3×3 convolution with padding 1 ('same'), stride 1. */
class Conv3x3 implements ManualLayer {
  readonly kind = 'conv';
  private x!: Tensor;
  readonly w: ManualParam;
  readonly b: ManualParam;
  constructor(layer: nn.Conv2d, name: string) {
    if (layer.weight.shape[2] !== 3 || layer.weight.shape[3] !== 3) throw new RangeError(`manual conv: 3×3 kernels only, got ${layer.weight.shape}`);
    this.w = { name: `${name}.weight`, value: own(layer.weight), grad: null };
    this.b = { name: `${name}.bias`, value: own(layer.bias!), grad: null };
  }
  forward(x: Tensor): Tensor {
    this.x = x;
    return nn.functional.conv2d(x, this.w.value, this.b.value, { padding: 1 });
  }
  backward(dy: Tensor, needInput: boolean): Tensor | null {
    // Batch as channels: [C, N, H, W] correlated with [O, N, H, W] gives [C, O, 3, 3].
    this.w.grad = nn.functional.conv2d(this.x.permute(1, 0, 2, 3), dy.permute(1, 0, 2, 3), null, { padding: 1 }).permute(1, 0, 2, 3);
    this.b.grad = dy.sum([0, 2, 3]);
    return needInput ? nn.functional.convTranspose2d(dy, this.w.value, null, { padding: 1 }) : null;
  }
  params(): ManualParam[] {
    return [this.w, this.b];
  }
}

/** The hand-written network with the same layers and the same initial weights as an nn.Sequential. */
export class ManualNetwork {
  readonly layers: ManualLayer[];
  constructor(model: nn.Sequential) {
    this.layers = model.namedModules().filter(([, m]) => m.children().length === 0).map(([name, m]) => {
      if (m instanceof nn.Linear) return new Linear(m, name);
      if (m instanceof nn.Conv2d) return new Conv3x3(m, name);
      if (m instanceof nn.ReLU) return new ReLU();
      if (m instanceof nn.MaxPool2d) return new MaxPool2();
      if (m instanceof nn.Flatten) return new Flatten();
      throw new TypeError(`ManualNetwork: no hand-written backward pass for ${m.constructor.name}`);
    });
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, l) => l.forward(h), x);
  }

  /** Softmax cross-entropy (mean over the batch) and its gradient with respect to the scores: (p − t)/N. */
  static lossAndGradient(scores: Tensor, labels: Tensor): { loss: Tensor; dScores: Tensor } {
    const n = scores.shape[0];
    const t = oneHot(labels, scores.shape[1]);
    const loss = scores.logSoftmax(1).mul(t).sum().mul(-1 / n);
    return { loss, dScores: scores.softmax(1).sub(t).mul(1 / n) };
  }

  /** Forward, loss, and every layer's backward pass in reverse order; fills the parameter gradients. */
  backward(x: Tensor, labels: Tensor): { loss: Tensor; scores: Tensor } {
    const scores = this.forward(x);
    const { loss, dScores } = ManualNetwork.lossAndGradient(scores, labels);
    // Below the first layer with weights nobody needs ∂L/∂input (the images, or their flattening).
    const first = this.layers.findIndex((l) => l.params().length > 0);
    let g: Tensor | null = dScores;
    for (let i = this.layers.length - 1; i >= first && g; i--) g = this.layers[i].backward(g, i > first);
    return { loss, scores };
  }

  params(): ManualParam[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** One minibatch step of plain gradient descent, w ← w − η ∂L/∂w: the batch loss and how many it classified right. */
  step(x: Tensor, labels: Tensor, lr: number): { loss: number; correct: number } {
    return noGrad(() => {
      const { loss, scores } = this.backward(x, labels);
      for (const p of this.params()) p.value.sub_(p.grad!, lr);
      const pred = scores.argmax(1).data(), t = labels.data();
      let correct = 0;
      for (let i = 0; i < t.length; i++) if (pred[i] === t[i]) correct++;
      return { loss: loss.item(), correct };
    });
  }
}
