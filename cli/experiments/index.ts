// Every experiment, in the order `wasmgrad list` and `wasmgrad run all` use (the homework's
// order). Each file calls register() from ../registry.js when imported.
import './autodiff-sigmoid-squared.js';
import './himmelblau.js';
import './rosenbrock-optimizers.js';
