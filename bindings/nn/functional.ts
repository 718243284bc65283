/** PyTorch's torch.nn.functional, camelCased. */
export { conv2d, maxPool2d, avgPool2d } from '../ops/conv.js';
export type { Conv2dOptions, Pool2dOptions, Padding, Pair } from '../ops/conv.js';
export { linear } from '../ops/matmul.js';
export { dropout } from '../ops/random.js';
export {
  mseLoss, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
} from '../ops/loss.js';
export type { LossOptions, Reduction } from '../ops/loss.js';
export { relu, sigmoid, tanh, softplus, leakyRelu } from '../ops/elementwise.js';
export { softmax, logSoftmax } from '../ops/reduce.js';
export { oneHot } from '../ops/movement.js';
export { pad } from '../ops/shaping.js';
export type { PadMode, PadOptions } from '../ops/shaping.js';
