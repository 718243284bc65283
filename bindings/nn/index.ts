/** The nn namespace: functional ops now; modules, init and losses as modules join here. */
export * as functional from './functional.js';
export { Module, Sequential, summary } from './module.js';
export type { StateDict, SavedTensor, Summary, SummaryRow } from './module.js';
export {
  Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, Dropout, BatchNorm1d, BatchNorm2d,
  ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, LogSoftmax,
} from './layers.js';
export type { LinearOptions, Conv2dOptions, Pool2dOptions, BatchNormOptions } from './layers.js';
export { MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss } from './loss.js';
export * as init from './init.js';
