// Autodiff and optimisers on small functions (seed 000 tasks 1-2, seed 001 problem 1).
import './autodiff-sigmoid-squared.js';
import './himmelblau.js';
import './rosenbrock-optimizers.js';
