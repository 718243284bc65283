// The CNN of `mnist-cnn`, shared with `wasmgrad predict`, which rebuilds it to load the checkpoint.
// Two 3×3 convolution blocks (16 and 32 channels, 'same' padding, ReLU, 2×2 max pooling), then a
// dense layer of 128 ReLU units with dropout, then the ten class scores: 0.22 M parameters and
// about 1.2 M multiply-adds per image, small enough for an epoch of 60,000 images in well under
// a minute on two cores, large enough for more than 99 % test accuracy.
import { nn } from '../../../bindings/index.js';

/** Written into the checkpoint; predict refuses a checkpoint of any other model. */
export const MNIST_CNN_ARCHITECTURE = 'mnist-cnn/conv16-conv32-fc128/v1';

export function mnistCnn(dropout = 0.25): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 'same' }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 'same' }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(32 * 7 * 7, 128), new nn.ReLU(), new nn.Dropout(dropout),
    new nn.Linear(128, 10),
  );
}
