/** Every op, as a function; Tensor's methods forward here. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './movement.js';
export * from './conv.js';
export * from './loss.js';
export * from './random.js';
export * from './activations.js';
export * from './conv_transpose.js';
export * from './norm.js';
export * from './attention.js';
export * from './resample.js';
export * from './embedding.js';
export * from './unflatten.js';
export { backward } from '../autograd.js';
