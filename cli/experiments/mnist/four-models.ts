// The four MNIST classifiers of seed 004 (UCL "Advanced ML", assignment 1), shared by
// mnist-four-models (part 1, autodiff) and manual-gradients (part 2, backward passes by hand).
// Every model takes images [n, 1, 28, 28]; the dense ones flatten them first.
import { nn } from '../../../bindings/index.js';

export type ModelKey = 'a' | 'b' | 'c' | 'd';

export const MODEL_TITLES: Record<ModelKey, string> = {
  a: '(a) linear + softmax',
  b: '(b) 128 ReLU',
  c: '(c) 2 × 256 ReLU',
  d: '(d) conv 16-16, dense 256',
};

/** What the seed reported (its error table), for the key-number column. */
export const SEED_PART1: Record<ModelKey, { trainError: number; testError: number; lr: number; epoch: number }> = {
  a: { trainError: 0.06973, testError: 0.0762, lr: 0.1, epoch: 85 },
  b: { trainError: 0.00169, testError: 0.0214, lr: 0.1, epoch: 83 },
  c: { trainError: 0.0, testError: 0.0189, lr: 0.1, epoch: 86 },
  d: { trainError: 0.00707, testError: 0.014, lr: 0.1, epoch: 53 },
};

/** The seed's part 2 (its own backward passes): (d) was never made to work. */
export const SEED_PART2: Record<ModelKey, { trainError: number; testError: number; lr: number; epoch: number } | null> = {
  a: { trainError: 0.06604, testError: 0.073, lr: 0.001, epoch: 107 },
  b: { trainError: 0.04887, testError: 0.0615, lr: 0.0001, epoch: 281 },
  c: { trainError: 0.03933, testError: 0.0555, lr: 0.0001, epoch: 175 },
  d: null,
};

export function fourModel(key: ModelKey): nn.Sequential {
  switch (key) {
    case 'a':
      return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10));
    case 'b':
      return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    case 'c':
      return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
    case 'd':
      // conv 3×3×16 'same' → ReLU → maxpool 2 → conv 3×3×16 'same' → ReLU → maxpool 2 → dense 256 ReLU → dense 10
      return new nn.Sequential(
        new nn.Conv2d(1, 16, 3, { padding: 'same' }), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(16, 16, 3, { padding: 'same' }), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Linear(16 * 7 * 7, 256), new nn.ReLU(), new nn.Linear(256, 10),
      );
  }
}

/** Sweep item keys 'd-lr0.1' etc.: the convolutional items first, so --jobs gives each process one of them. */
export function itemKeys(models: ModelKey[], lrs: number[]): string[] {
  const order = [...models].sort((x, y) => (x === 'd' ? -1 : y === 'd' ? 1 : y.localeCompare(x)));
  return order.flatMap((m) => lrs.map((lr) => `${m}-lr${lr}`));
}

export function parseItemKey(key: string): { model: ModelKey; lr: number } {
  const m = /^([abcd])-lr(.+)$/.exec(key);
  if (!m) throw new Error(`not an item key of the four models: '${key}'`);
  return { model: m[1] as ModelKey, lr: Number(m[2]) };
}
