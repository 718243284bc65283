// MNIST networks of seeds 000 (task 3, 4) and 001 (problems 2, 3), on the shared training harness.
import './mnist-cnn.js';
import './shallow-mnist.js';
import './vanishing-gradients.js';
import './double-descent.js';
// Seed 004 (UCL "Advanced ML", assignment 1): four models by autodiff, then by hand.
import './mnist-four-models.js';
import './manual-gradients.js';
