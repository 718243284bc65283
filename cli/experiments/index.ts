// Every experiment, in the order `wasmgrad list` and `wasmgrad run all` use: family by family,
// in the homework's order. Each family folder has an index.ts importing its experiment files,
// and each file calls register() from ../registry.js when imported.
import './functions/index.js';
import './mnist/index.js';
import './backprop/index.js';
import './optimisation/index.js';
import './classic/index.js';
import './cnn/index.js';
import './generative/index.js';
import './transformers/index.js';
