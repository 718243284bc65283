// Seed 003, exercise 1.5: the Keras "simple MNIST convnet" — conv 3×3×32 → maxpool 2 → conv
// 3×3×64 → maxpool 2 → flatten → dropout 0.5 → dense 10 — its parameters counted layer by layer,
// then trained with three optimisers: Adam, SGD (lr 0.01, momentum 0.4) and Adadelta (lr 0.1,
// ρ 0.95, ε 1e-7), as the seed did, for Keras' 15 epochs in batches of 128 with 10 % of the
// training images held out for validation. Each optimiser is a sweep item (`--jobs 3`).
import { nn, optim } from '../../../bindings/index.js';
import { evaluate } from '../../../bindings/train/index.js';
import { historyChart, mnistLoaders, type EpochRecord } from '../../harness/index.js';
import { panels } from '../../plot/index.js';
import { register } from '../../registry.js';

/** The seed's parameter count of each trainable layer: (kernel h·w·in + 1)·out. */
const SEED_PARAMS = { conv1: 320, conv2: 18_496, dense: 16_010, total: 34_826 };

interface OptimizerSpec {
  key: string;
  title: string;
  make(params: ReturnType<nn.Module['parameters']>): optim.Optimizer<{ lr: number }>;
  seed: { accuracy: number; loss: number };
}

// Keras' defaults where the seed names nothing: Adam lr 0.001, β (0.9, 0.999), ε 1e-7.
const OPTIMIZERS: OptimizerSpec[] = [
  { key: 'adam', title: 'Adam (lr 0.001)', make: (p) => new optim.Adam(p, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-7 }), seed: { accuracy: 0.9905, loss: 0.0275 } },
  { key: 'sgd', title: 'SGD (lr 0.01, momentum 0.4)', make: (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.4 }), seed: { accuracy: 0.9792, loss: 0.0665 } },
  { key: 'adadelta', title: 'Adadelta (lr 0.1, ρ 0.95, ε 1e-7)', make: (p) => new optim.Adadelta(p, { lr: 0.1, rho: 0.95, eps: 1e-7 }), seed: { accuracy: 0.9786, loss: 0.0659 } },
];

/** The Keras example's network, with Keras' initialisation (Glorot-uniform kernels, zero biases). */
export function kerasConvnet(dropout = 0.5): nn.Sequential {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(dropout), new nn.Linear(5 * 5 * 64, 10),
  );
  for (const [name, p] of model.namedParameters()) {
    if (name.endsWith('weight')) nn.init.xavierUniform(p);
    else nn.init.zeros(p);
  }
  return model;
}

interface OptimizerRun {
  key: string;
  history: EpochRecord[];
  valAccuracy: number[];
  test: { accuracy: number; loss: number };
  diverged: boolean;
}

register({
  id: 'cnn-parameters-optimizers',
  family: 'cnn',
  title: 'The Keras MNIST convnet: parameters per layer, and Adam vs SGD vs Adadelta',
  seed: '003 "Artificial neural networks", assignment 1, exercise 1.5',
  description:
    'conv 3×3×32 → ReLU → maxpool 2 → conv 3×3×64 → ReLU → maxpool 2 → flatten → dropout 0.5 → dense 10 (softmax cross-entropy), ' +
    'Keras initialisation (Glorot-uniform kernels, zero biases), pixels in [0, 1]. Its parameters are counted layer by layer ' +
    '(the seed: 320, 18,496, 16,010, total 34,826); then it is trained for 15 epochs in batches of 128, 10 % of the training images ' +
    'held out for validation (Keras\' validation_split), with Adam (Keras defaults), SGD (lr 0.01, momentum 0.4) and Adadelta ' +
    '(lr 0.1, ρ 0.95, ε 1e-7), and evaluated on the 10,000 test images. Each optimiser is a sweep item: `--jobs 3` runs them in parallel.',
  flags: ['epochs', 'data-dir', 'limit', 'shard'],
  settings: { epochs: 15, batchSize: 128, validation: 6000, dropout: 0.5, optimizers: OPTIMIZERS.map((o) => o.key), pixels: '[0, 1]' },
  quick: { epochs: 1, validation: 100 },
  sweep: {
    keys: (s) => s.optimizers as string[],
    report(ctx, items) {
      // The network and its parameters, layer by layer (Keras' model.summary()).
      const table = nn.summary(kerasConvnet(ctx.settings.dropout), [1, 28, 28], null);
      ctx.section(`## The network\n\n\`\`\`\n${table.text}\n\`\`\``);
      const counts = table.rows.filter((r) => r.params > 0).map((r) => r.params);
      const [conv1, conv2, dense] = counts;
      ctx.keyNumber('parameters: conv 3×3×32, (3·3·1 + 1)·32', conv1, { seed: SEED_PARAMS.conv1 });
      ctx.keyNumber('parameters: conv 3×3×64, (3·3·32 + 1)·64', conv2, { seed: SEED_PARAMS.conv2 });
      ctx.keyNumber('parameters: dense 10, (5·5·64 + 1)·10', dense, { seed: SEED_PARAMS.dense });
      ctx.keyNumber('parameters: total', table.totalParams, { seed: SEED_PARAMS.total });
      ctx.section('The spatial size through the network: 28 → conv 3×3 (no padding) 26 → pool 13 → conv 11 → pool 5 (floor of 5.5), so the dense layer sees 5·5·64 = 1,600 inputs.');

      const runs = items.map((i) => i.result as unknown as OptimizerRun);
      const spec = (k: string) => OPTIMIZERS.find((o) => o.key === k)!;
      for (const r of runs) {
        ctx.keyNumber(`${spec(r.key).title}: test accuracy after ${r.history.length} epochs`, r.test.accuracy, { seed: spec(r.key).seed.accuracy });
        ctx.keyNumber(`${spec(r.key).title}: test loss`, r.test.loss, { seed: spec(r.key).seed.loss });
      }
      const histories = runs.map((r) => ({ name: spec(r.key).title, history: r.history }));
      const valHistories = runs.map((r) => ({ name: spec(r.key).title, history: r.history.map((e, i) => ({ ...e, testAccuracy: r.valAccuracy[i] })) }));
      ctx.figure('test-accuracy', panels({
        title: 'The Keras convnet on MNIST with three optimisers',
        charts: [
          historyChart(histories, 'testAccuracy', {
            title: 'Test accuracy per epoch', width: 640, height: 460,
            hlines: runs.map((r) => ({ at: spec(r.key).seed.accuracy, label: `seed: ${spec(r.key).title.split(' ')[0]} ${spec(r.key).seed.accuracy}` })),
          }),
          historyChart(valHistories, 'testAccuracy', { title: 'Validation accuracy per epoch', yLabel: 'validation accuracy', width: 640, height: 460 }),
          historyChart(histories, 'trainLoss', { title: 'Training loss per epoch (with dropout)', log: true, width: 640, height: 460 }),
        ],
      }), { caption: 'Dashed lines: the test accuracies the seed reported after 15 epochs.' });
    },
  },
  async run(ctx) {
    const s = ctx.settings;

    const data = await mnistLoaders(ctx, { batchSize: s.batchSize, validation: s.validation, normalize: false });
    await ctx.sweep(async (key): Promise<any> => {
      const opt = OPTIMIZERS.find((o) => o.key === key);
      if (!opt) throw new Error(`cnn-parameters-optimizers: unknown optimiser '${key}' (known: ${OPTIMIZERS.map((o) => o.key).join(', ')})`);
      const model = kerasConvnet(s.dropout);
      const valAccuracy: number[] = [];
      const fit = await ctx.fit({
        name: key, title: opt.title, model, optimizer: opt.make(model.parameters()), loss: nn.functional.crossEntropy,
        train: data.train, test: data.test, epochs: s.epochs, progress: 'epochs',
        onEpoch: () => { valAccuracy.push(evaluate(model, data.validation!).accuracy); },
      });
      const run: OptimizerRun = {
        key, history: fit.history, valAccuracy,
        test: { accuracy: fit.test?.accuracy ?? 0, loss: fit.test?.loss ?? 0 },
        diverged: fit.diverged !== null,
      };
      return run;
    });
  },
});
