// libsvm-js ships no types; this is the part of its API the experiments use (CommonJS: the
// module's export is the SVM class).
declare module 'libsvm-js/asm.js' {
  interface LibSvm {
    train(samples: number[][], labels: number[]): void;
    predict(samples: number[][]): number[];
    free(): void;
  }
  const SVM: {
    new (options: Record<string, unknown>): LibSvm;
    SVM_TYPES: Record<string, number>;
    KERNEL_TYPES: Record<string, number>;
  };
  export default SVM;
}
