/** Training helpers: checkpoints, evaluation, the epoch loop with progress. */
export { saveCheckpoint, loadCheckpoint, serializeCheckpoint, deserializeCheckpoint } from './checkpoint.js';
export type { CheckpointContents, LoadedCheckpoint } from './checkpoint.js';
