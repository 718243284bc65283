// Convolutional networks: seed 003 exercise 1.5 (the Keras MNIST convnet) and exercise 3.3
// (convolution as a Toeplitz matrix, CNN variants and a ResNet).
import './cnn-parameters-optimizers.js';
import './conv-toeplitz.js';
import './cnn-variants.js';
