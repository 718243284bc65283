// Self-attention and the vision transformer of seed 003 (exercise 3.4).
import './attention-vit.js';
