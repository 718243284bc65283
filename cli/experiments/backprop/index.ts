// Backpropagation seen from inside: seed 002 (PS5: a 2-7-1 network by hand and by autodiff) and
// seed 003, assignment 1 (ex 1.1 sine regression, ex 1.2 one update of a 2-2-1 network by hand).
import './ps5-backprop.js';
import './sine-regression.js';
import './backprop-worked-example.js';
