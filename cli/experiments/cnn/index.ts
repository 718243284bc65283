// Convolutions (seed 003 exercise 3.3): convolution as a Toeplitz matrix, CNN variants and a ResNet.
import './conv-toeplitz.js';
import './cnn-variants.js';
