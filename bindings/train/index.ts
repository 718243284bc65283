/** Training helpers: checkpoints, evaluation, the epoch loop with progress. */
export { saveCheckpoint, loadCheckpoint, serializeCheckpoint, deserializeCheckpoint } from './checkpoint.js';
export type { CheckpointContents, LoadedCheckpoint } from './checkpoint.js';
export { trainEpoch, evaluate, fit, progressReporter } from './loop.js';
export type { LossFn, BatchProgress, ProgressOptions, TrainEpochOptions, EpochResult, EvaluateOptions, EvaluateResult, FitOptions } from './loop.js';
