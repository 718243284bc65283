/** PyTorch's torch.nn.functional, camelCased. */
export { conv2d, maxPool2d, avgPool2d } from '../ops/conv.js';
export type { Conv2dOptions, Pool2dOptions, Padding, Pair } from '../ops/conv.js';
export { linear } from '../ops/matmul.js';
export { dropout, dropout2d } from '../ops/random.js';
export { embedding } from '../ops/embedding.js';
export type { EmbeddingOptions } from '../ops/embedding.js';
export {
  mseLoss, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv, huberLoss, smoothL1Loss,
} from '../ops/loss.js';
export type {
  LossOptions, Reduction, NLLLossOptions, CrossEntropyOptions, BCELossOptions, BCEWithLogitsOptions, KLDivOptions, HuberLossOptions, SmoothL1LossOptions,
} from '../ops/loss.js';
export { relu, sigmoid, tanh, softplus, leakyRelu } from '../ops/elementwise.js';
export { softmax, logSoftmax } from '../ops/reduce.js';
export { oneHot } from '../ops/movement.js';
export { gelu, silu } from '../ops/activations.js';
export { convTranspose2d } from '../ops/conv_transpose.js';
export { layerNorm } from '../ops/norm.js';
export { batchNorm } from '../ops/batchnorm.js';
export { scaledDotProductAttention } from '../ops/attention.js';
export { interpolate, adaptiveAvgPool2d } from '../ops/resample.js';
export { unflatten } from '../ops/unflatten.js';
export type { InterpolateOptions, InterpolateMode } from '../ops/resample.js';
export type { ScaledDotProductAttentionOptions } from '../ops/attention.js';
export type { ConvTranspose2dOptions } from '../ops/conv_transpose.js';
export type { GeluOptions } from '../ops/activations.js';
export { pad } from '../ops/shaping.js';
export type { PadMode, PadOptions } from '../ops/shaping.js';
