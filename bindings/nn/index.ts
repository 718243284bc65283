/** The nn namespace: functional ops now; modules, init and losses as modules join here. */
export * as functional from './functional.js';
export { Module, Sequential, summary } from './module.js';
export type { AnyModule, StateDict, SavedTensor, Summary, SummaryRow } from './module.js';
export {
  Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, Dropout, BatchNorm1d, BatchNorm2d,
  ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, LogSoftmax,
} from './layers.js';
export type { LinearOptions, Conv2dOptions, Pool2dOptions, BatchNormOptions } from './layers.js';
export { GELU, SiLU } from './activations.js';
export { ConvTranspose2d } from './conv.js';
export { LayerNorm } from './norm.js';
export { MultiheadAttention } from './attention.js';
export { ModuleList, Identity, Unflatten } from './containers.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, AdaptiveAvgPool2d, Dropout2d, Embedding } from './sampling.js';
export type { EmbeddingLayerOptions } from './sampling.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './attention.js';
export type { LayerNormOptions } from './norm.js';
export type { ConvTranspose2dLayerOptions } from './conv.js';
export { MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, HuberLoss, SmoothL1Loss } from './loss.js';
export * as init from './init.js';
export * as utils from './utils.js';
