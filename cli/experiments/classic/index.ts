// Classic machine learning beside neural networks (seed 003 exercises 2.1-2.3, 3.1).
import './time-series-regression.js';
import './mlp-grid-search.js';
import './som.js';
import './pca.js';
import './ols-vs-ard.js';
