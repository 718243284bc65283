// The wasm module's exports: every kernel family, plus where the JS-managed heap begins.
// Kernels are plain functions on byte pointers into linear memory (f32 data, row-major,
// contiguous); JS owns allocation (bindings/memory.ts) and passes pointers in.

export function heapBase(): usize {
  return __heap_base;
}

export * from "./kernels/gemm";
export * from "./kernels/conv2d";
export * from "./kernels/pool";
export * from "./kernels/elementwise";
export * from "./kernels/reduce";
export * from "./kernels/movement";
export * from "./kernels/random";
export * from "./kernels/optim";
export * from "./kernels/activations";
export * from "./kernels/norm";
export * from "./kernels/batchnorm";
export * from "./kernels/attention";
export * from "./kernels/resample";
export * from "./kernels/gemm_batched";
export * from "./kernels/select";
export * from "./kernels/scan";
export * from "./kernels/indexing";
