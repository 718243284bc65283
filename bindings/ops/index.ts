/** Every op, as a function; Tensor's methods forward here. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './movement.js';
export * from './conv.js';
export * from './loss.js';
export * from './random.js';
export { backward } from '../autograd.js';
export * from './select.js';
export * from './shaping.js';
export * from './stats.js';
export * from './indexing.js';
export * from './sampling.js';
export * from './einsum.js';
export * from './distance.js';
