/** PyTorch's torch.optim, camelCased: optimisers with fused wasm update kernels, and LR schedulers. */
export { Optimizer } from './optimizer.js';
export type { Params, ParamGroupInput, ParamGroup, Closure, OptimizerStateDict, SavedValue } from './optimizer.js';
export { SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta } from './first_order.js';
export type { SGDOptions, AdamOptions, RMSpropOptions, AdagradOptions, AdadeltaOptions } from './first_order.js';
export { LBFGS } from './lbfgs.js';
export type { LBFGSOptions } from './lbfgs.js';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR } from './lr_scheduler.js';
