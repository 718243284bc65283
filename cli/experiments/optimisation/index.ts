// Optimisers and generalisation on small regression problems (seed 003 exercises 1.3-1.4).
import './optimizers-noise.js';
import './regression-surface.js';
