// Every experiment, in the order `wasmgrad list` and `wasmgrad run all` use. Each file calls
// register() from ../registry.js when imported; add one line per experiment, e.g.
//   import './himmelblau.js';
export {};
import './autodiff-sigmoid-squared.js';
import './rosenbrock-optimizers.js';
import './himmelblau.js';
