/**
 * wasmgrad: tensors, autodiff and neural-network ops on WebAssembly SIMD kernels.
 *
 *   import { init, tensor, manualSeed } from 'wasmgrad';
 *   await init();
 *   const x = tensor([1, 2, 3], { requiresGrad: true });
 *   x.mul(x).sum().backward();   // x.grad = [2, 4, 6]
 */
import { K, wasmSource, sharedMemory, relaxedSimd } from './wasm.js';
import { threadsInfo } from './threads.js';
import { gemmTileChoice } from './gemm-tile.js';

export { init, isInitialized } from './wasm.js';
export type { InitOptions } from './wasm.js';
export { setNumThreads, getNumThreads } from './threads.js';
export {
  Tensor, tensor, zeros, ones, full, empty, zerosLike, onesLike, fullLike, emptyLike, arange, linspace, isTensor,
} from './tensor.js';
export type { TensorLike, TensorOptions, FactoryOptions, SizeArgs, NestedArray } from './tensor.js';
export { noGrad, tidy, grad, valueAndGrad, backward, isGradEnabled } from './autograd.js';
export { memoryInfo } from './memory.js';
export type { MemoryInfo } from './memory.js';
export {
  add, sub, mul, div, pow, neg, sqrt, exp, log, abs, sign, square, reciprocal, clamp, maximum, minimum,
  gt, ge, lt, le, eq, ne, sigmoid, relu, leakyRelu, tanh, softplus, clone,
} from './ops/elementwise.js';
export { erf, gelu, silu } from './ops/activations.js';
export { sum, mean, max, min, argmax, argmin, softmax, logSoftmax } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export {
  reshape, flatten, unsqueeze, squeeze, transpose, permute, slice, cat, indexSelect, oneHot,
} from './ops/movement.js';
export { where, maskedFill, tril, triu } from './ops/select.js';
export { var, variance, std, norm, logsumexp, cumsum } from './ops/stats.js';
export type { VarOptions, NormOrd } from './ops/stats.js';
export { expand, expandAs, broadcastTo, repeat, flip, split, chunk } from './ops/shaping.js';
export {
  gather, scatter, scatterAdd, indexAdd, sort, argsort, topk,
} from './ops/indexing.js';
export type { IndexLike, ValuesIndices, SortOptions, TopkOptions, IndexAddOptions } from './ops/indexing.js';
export { einsum } from './ops/einsum.js';
export { cdist } from './ops/distance.js';
export type { CdistOptions, CdistComputeMode } from './ops/distance.js';
export { bernoulli, multinomial, normal_, uniform_ } from './ops/sampling.js';
export { manualSeed, rand, randn, randLike, randnLike, randint, randperm, getRngState, setRngState } from './ops/random.js';
export type { RandOptions, RandnOptions } from './ops/random.js';
export * as nn from './nn/index.js';
export * as linalg from './ops/linalg.js';

/**
 * The engine's version (package.json's).
 * @example console.log(version)
 */
export const version = '0.1.0';

/** What this build and runtime provide. */
export function info(): {
  version: string; simd: boolean; relaxedSimd: boolean; threads: number; threadsNote: string; build: string;
  wasmBytes: number; wasmSource: string; runtime: string; gemmTile: string; gemmTileReason: string;
} {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const t = threadsInfo();
  const tile = gemmTileChoice();
  return {
    version,
    simd: true,
    relaxedSimd,
    threads: t.threads,
    threadsNote: t.note,
    build: `wasmgrad${sharedMemory ? '-mt' : ''}${relaxedSimd ? '-relaxed' : ''}.wasm`
      + (sharedMemory ? ' (shared memory, threads)' : ' (one thread)') + (relaxedSimd ? ', relaxed SIMD (FMA)' : ''),
    wasmBytes: K().memory.buffer.byteLength,
    wasmSource,
    runtime: isNode ? `node ${process.versions.node}` : (typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown'),
    gemmTile: tile.tile,
    gemmTileReason: tile.reason,
  };
}
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
