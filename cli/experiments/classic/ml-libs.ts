// Typed doors to the two well-kept npm libraries the classic-ML experiments lean on: libsvm-js
// (libsvm compiled to asm.js by emscripten: epsilon-SVR with an RBF kernel) and ml-random-forest
// (CART trees with bagging). Both are plain JavaScript with no native parts, so they run in Node,
// in a worker thread and — bundled — in a browser Web Worker (tests/ml-libs.test.ts runs them in
// a worker). We use libsvm-js's asm.js build: its wasm build locates its .wasm file at run time,
// which is exactly the path configuration a bundled worker should not need.
import SVM from 'libsvm-js/asm.js';
import { RandomForestRegression } from 'ml-random-forest';


export interface SvrOptions {
  /** libsvm's C. */
  cost: number;
  epsilon: number;
  /** RBF γ; 'scale' is scikit-learn's default 1 / (features · Var(X)). */
  gamma: number | 'scale';
}

/** Variance of every entry of X together (scikit-learn's X.var() for gamma='scale'). */
function variance(X: number[][]): number {
  let n = 0, mean = 0, m2 = 0;
  for (const row of X) for (const v of row) {
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  return m2 / n;
}

/** Trains an epsilon-SVR with an RBF kernel and returns its predictions for each set of rows. */
export function svrPredict(X: number[][], y: number[], o: SvrOptions, ...predictOn: number[][][]): number[][] {
  const gamma = o.gamma === 'scale' ? 1 / (X[0].length * variance(X)) : o.gamma;
  const svm = new SVM({ type: SVM.SVM_TYPES.EPSILON_SVR, kernel: SVM.KERNEL_TYPES.RBF, cost: o.cost, epsilon: o.epsilon, gamma, quiet: true });
  try {
    svm.train(X, y);
    return predictOn.map((rows) => svm.predict(rows));
  } finally {
    svm.free();
  }
}

export interface ForestOptions {
  trees: number;
  maxDepth: number;
  /** ml-random-forest's own generator seed (it does not draw from wasmgrad's). */
  seed: number;
  /**
   * Rows drawn (with replacement) for each tree; default all. ml-cart scores every split point
   * of every feature by a full pass, O(rows²) per feature and node, so large sets need a cap.
   */
  maxSamples?: number;
}

/**
 * A random forest regressor as scikit-learn's defaults build one: bootstrap samples, every
 * feature considered at each tree (ml-random-forest's maxFeatures 1.0 = all of them).
 */
export function forestPredict(X: number[][], y: number[], o: ForestOptions, ...predictOn: number[][][]): number[][] {
  const rf = new RandomForestRegression({
    nEstimators: o.trees, maxFeatures: 1.0, replacement: false, useSampleBagging: true, noOOB: true, seed: o.seed,
    treeOptions: { maxDepth: o.maxDepth },
    ...(o.maxSamples !== undefined && o.maxSamples < X.length ? { maxSamples: o.maxSamples } : {}),
  });
  rf.train(X, y);
  return predictOn.map((rows) => rf.predict(rows) as number[]);
}
