/**
 * The ABI shared by the kernels and the TypeScript bindings: op codes and limits,
 * each written once, here. The kernels import this file; scripts/gen-abi.mjs copies every
 * declaration into bindings/abi.generated.ts at build time (enums become `as const` objects).
 * Only `export enum` with number values and `export const NAME = <number>` belong here.
 *
 * Adding a kernel: export a function on numbers/pointers from a module that assembly/index.ts
 * re-exports (`export * from`); the build declares it in KernelExports (bindings/abi.generated.ts)
 * with its parameter names and doc comment, and K().yourKernel(...) type-checks. A new op code
 * goes in an enum below and is used as Bin.X / Un.X on both sides.
 *
 * GEMM tile sizes are not constants here: the register tile is chosen at run time, and
 * gemmTileRows/gemmTileCols report each tile's shape (assembly/kernels/gemm_tiles.ts).
 */

/** Binary op codes of the `binary` kernel (assembly/kernels/elementwise.ts). */
export enum Bin {
  ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5, POW = 6,
  GT = 7, GE = 8, LT = 9, LE = 10, EQ = 11, NE = 12,
}

/** Unary op codes of the `unary` and `unaryBackward` kernels (assembly/kernels/elementwise.ts). */
export enum Un {
  NEG = 0, SQUARE = 1, SQRT = 2, EXP = 3, LOG = 4, ABS = 5, SIGMOID = 6, RELU = 7,
  TANH = 8, SOFTPLUS = 9, LEAKY_RELU = 10, POW_SCALAR = 11, CLAMP = 12, AFFINE = 13,
  SIGN = 14, RECIP = 15, DIV_SCALAR = 16, SCALAR_DIV = 17,
}

/** Op codes of the `activation` and `activationBackward` kernels (assembly/kernels/activations.ts). */
export enum Act {
  ERF = 0, GELU = 1, GELU_TANH = 2, SILU = 3,
}

/** What conv2dForward applies to each output after adding the bias (assembly/kernels/conv2d.ts). */
export enum Epilogue {
  NONE = 0, RELU = 1,
}

/** Most (collapsed) dims the stridedCopy kernel takes; its shape/stride arrays hold this many i32. */
export const COPY_MAX_DIMS = 8;

/** Bytes of rngGetState/rngSetState's state block: 4 u32 words, the spare normal (f32), its flag (u32). */
export const RNG_STATE_BYTES = 24;
