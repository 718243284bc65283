// Autoencoders and generative models of seed 003 (exercises 3.2, 4.1-4.4), in the homework's order.
import './autoencoder.js';
import './rbm.js';
import './gan.js';
import './vae.js';
