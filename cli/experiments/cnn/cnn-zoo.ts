// The models of seed 003 exercise 3.3: the course notebook's CNN, the seed's four variants, a
// small ResNet for MNIST and ResNet-18 (CIFAR-10 form: 3×3 stem, no max-pool). Where the seed
// says what a model has but not every size, the choices here are ours and marked so.
import { type Tensor, cat, nn } from '../../../bindings/index.js';

const { Sequential, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear, Dropout, AdaptiveAvgPool2d } = nn;

const convBnRelu = (cin: number, cout: number, k: number, stride: number, padding: number, dilation = 1) => [
  new Conv2d(cin, cout, k, { stride, padding, dilation }), new BatchNorm2d(cout), new ReLU(),
];

/** The course's cnn.ipynb model: four stride-2 convolutions with batch norm and ReLU (16, 32, 64, 64; the last 2×2, unpadded), two dense layers. */
export const courseCnn = () => new Sequential(
  ...convBnRelu(1, 16, 3, 2, 1), ...convBnRelu(16, 32, 3, 2, 1), ...convBnRelu(32, 64, 3, 2, 1), ...convBnRelu(64, 64, 2, 2, 0),
  new Flatten(), new Linear(64 * 2 * 2, 128), new ReLU(), new Linear(128, 10),
);

/** Model 1: a 5×5 first kernel and 128 channels from the third layer on. */
export const model1 = () => new Sequential(
  ...convBnRelu(1, 16, 5, 2, 2), ...convBnRelu(16, 32, 3, 2, 1), ...convBnRelu(32, 128, 3, 2, 1), ...convBnRelu(128, 128, 2, 2, 0),
  new Flatten(), new Linear(128 * 2 * 2, 128), new ReLU(), new Linear(128, 10),
);

/** Model 2: 32 and 64 filters each followed by max-pooling, a dilated 128-filter block, global average pooling. */
export const model2 = () => new Sequential(
  ...convBnRelu(1, 32, 3, 1, 1), new MaxPool2d(2),
  ...convBnRelu(32, 64, 3, 1, 1), new MaxPool2d(2),
  ...convBnRelu(64, 128, 3, 1, 2, 2),
  new AdaptiveAvgPool2d(1), new Flatten(), new Linear(128, 10),
);

/** Model 3's first block: 3×3 and 5×5 convolutions side by side, their channels concatenated (ours: 16 + 16). */
class MixedKernels extends nn.Module {
  private readonly k3 = this.registerModule('k3', new Conv2d(1, 16, 3, { padding: 1 }));
  private readonly k5 = this.registerModule('k5', new Conv2d(1, 16, 5, { padding: 2 }));
  forward(x: Tensor): Tensor {
    return cat([this.k3.forward(x), this.k5.forward(x)], 1);
  }
}

/** Model 3: mixed kernel sizes, max-pooling, two 128-filter layers (ours: stride 2 each, to keep it affordable), dense layers. */
export const model3 = () => new Sequential(
  new MixedKernels(), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
  ...convBnRelu(32, 128, 3, 2, 1), ...convBnRelu(128, 128, 3, 2, 1),
  new Flatten(), new Linear(128 * 4 * 4, 128), new ReLU(), new Linear(128, 10),
);

/** Model 4: small and regularised: conv 16 → ReLU → dropout → pool, conv 32 → ReLU → dropout → pool, dense 128, output. */
export const model4 = () => new Sequential(
  new Conv2d(1, 16, 3, { padding: 1 }), new ReLU(), new Dropout(0.25), new MaxPool2d(2),
  new Conv2d(16, 32, 3, { padding: 1 }), new ReLU(), new Dropout(0.25), new MaxPool2d(2),
  new Flatten(), new Linear(32 * 7 * 7, 128), new ReLU(), new Linear(128, 10),
);

/** He et al.'s basic block: two 3×3 conv-BN, the input added back (through a 1×1 conv-BN when the shape changes). */
export class BasicBlock extends nn.Module {
  private readonly body: nn.Sequential;
  private readonly shortcut: nn.Sequential | null;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.body = this.registerModule('body', new Sequential(
      new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new BatchNorm2d(cout), new ReLU(),
      new Conv2d(cout, cout, 3, { padding: 1, bias: false }), new BatchNorm2d(cout),
    ));
    this.shortcut = stride !== 1 || cin !== cout
      ? this.registerModule('shortcut', new Sequential(new Conv2d(cin, cout, 1, { stride, bias: false }), new BatchNorm2d(cout)))
      : null;
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(x).add(this.shortcut ? this.shortcut.forward(x) : x).relu();
  }
}

/** A ResNet: 3×3 stem, stages of basic blocks (the first block of a stage strides 2 after the first stage), global average pooling, linear. */
export function resnet(inChannels: number, widths: number[], blocks: number[], classes = 10): nn.Sequential {
  const layers: nn.Module[] = [new Conv2d(inChannels, widths[0], 3, { padding: 1, bias: false }), new BatchNorm2d(widths[0]), new ReLU()];
  let cin = widths[0];
  widths.forEach((w, s) => {
    for (let b = 0; b < blocks[s]; b++) {
      layers.push(new BasicBlock(cin, w, b === 0 && s > 0 ? 2 : 1));
      cin = w;
    }
  });
  layers.push(new AdaptiveAvgPool2d(1), new Flatten(), new Linear(cin, classes));
  return new Sequential(...layers);
}

/** A small ResNet for MNIST: stages of 16, 32, 64 channels, one basic block each. */
export const smallResnet = () => resnet(1, [16, 32, 64], [1, 1, 1]);
/** ResNet-18 as used on CIFAR-10 (3×3 stem, no max-pool): stages 64, 128, 256, 512 of two blocks. */
export const resnet18 = () => resnet(3, [64, 128, 256, 512], [2, 2, 2, 2]);
