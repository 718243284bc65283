// Convolutional networks: seed 003, assignment 1, exercise 1.5 (the Keras MNIST convnet).
import './cnn-parameters-optimizers.js';
