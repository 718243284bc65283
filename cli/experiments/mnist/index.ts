// MNIST networks of seeds 000 (task 3, 4) and 001 (problems 2, 3), on the shared training harness.
import './mnist-cnn.js';
import './shallow-mnist.js';
import './vanishing-gradients.js';
import './double-descent.js';
