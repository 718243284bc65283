// Seed 003, exercise 3.4: the shapes of self-attention, worked through for the seed's two cases
// (a NumPy-style 32 × 256 input; a PyTorch-style 32 × 20 × 128 batch with q/k of width 64 and v of
// width 32) and checked against the engine's fused attention; then a vision transformer on MNIST
// in the seed's six configurations (Table 5: validation accuracy and training time), and maps of
// what the class token attends to on a few test digits.
import { type Tensor, nn, noGrad, optim, randn } from '../../../bindings/index.js';
import { captionedGrid, historyChart, mnistLoaders } from '../../harness/index.js';
import { register } from '../../registry.js';
import { barChart } from '../../plot/index.js';
import { budgetSection, markdownTable } from '../generative/common.js';
import { type VitConfig, VisionTransformer, classTokenMaps, upsampleMap } from './vit-model.js';

const F = nn.functional;

/** The seed's Table 5: validation accuracy and training time (seconds) per configuration. */
const SEED_TABLE_5: Record<string, [number, number]> = {
  'Baseline': [0.9843, 293.55],
  'Increased Capacity': [0.9867, 332.59],
  'Reduced Capacity': [0.9787, 250.83],
  'Increased Depth': [0.9862, 421.16],
  'Fewer Heads, Higher Dim': [0.9848, 298.24],
  'High MLP Dimension': [0.9839, 297.36],
};

interface ShapeRow { name: string; shape: number[]; expected: number[]; seedSays: string }

/** softmax(Q Kᵀ / √d) V written out step by step, every shape recorded, then checked against F.scaledDotProductAttention. */
function walkThrough(q: Tensor, k: Tensor, v: Tensor, rows: ShapeRow[], seed: Record<string, string>, expected: Record<string, number[]>): { rowSumError: number; fusedError: number } {
  return noGrad(() => {
    const d = q.shape[q.ndim - 1];
    const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(d));
    const a = scores.softmax(-1);
    const out = a.matmul(v);
    const record = (name: string, t: Tensor) => rows.push({ name, shape: t.shape.slice(), expected: expected[name], seedSays: seed[name] ?? '' });
    record('Q', q); record('K', k); record('V', v); record('scores Q·Kᵀ/√d', scores); record('A = softmax(scores)', a); record('output A·V', out);
    const sums = a.sum(-1).data();
    let rowSumError = 0;
    for (const s of sums) rowSumError = Math.max(rowSumError, Math.abs(s - 1));
    const fused = F.scaledDotProductAttention(q, k, v).data();
    const mine = out.data();
    let fusedError = 0;
    for (let i = 0; i < mine.length; i++) fusedError = Math.max(fusedError, Math.abs(mine[i] - fused[i]));
    return { rowSumError, fusedError };
  });
}

const shapeText = (s: number[]) => s.join(' × ');

register({
  id: 'attention-vit',
  family: 'transformers',
  title: 'Self-attention shapes, and a vision transformer on MNIST in six configurations (Table 5)',
  seed: '003 "Artificial neural networks", exercise 3.4',
  description:
    'First the shapes of self-attention for the seed\'s two cases: a NumPy-style input X of 32 × 256 with 256 × 256 ' +
    'projections, and a PyTorch-style batch 32 × 20 × 128 projected to queries and keys of width 64 and values of width 32; ' +
    'every intermediate shape is computed, compared with the expected one and with what the seed wrote, and the step-by-step ' +
    'result is checked against the engine\'s fused scaled-dot-product attention. Then a vision transformer (7 × 7 patches, ' +
    'class token, learned positions, pre-norm blocks of multi-head attention and a GELU MLP) is trained on MNIST with Adam ' +
    'in the seed\'s six configurations of dim / depth / heads / MLP dim; test accuracy after each epoch, the final accuracy ' +
    'and training time per configuration beside the seed\'s Table 5, and maps of what the class token attends to.',
  flags: ['epochs', 'data-dir', 'limit'],
  settings: {
    configs: [
      { name: 'Baseline', dim: 64, depth: 6, heads: 8, mlpDim: 128 },
      { name: 'Increased Capacity', dim: 128, depth: 8, heads: 16, mlpDim: 256 },
      { name: 'Reduced Capacity', dim: 32, depth: 4, heads: 4, mlpDim: 64 },
      { name: 'Increased Depth', dim: 64, depth: 12, heads: 8, mlpDim: 128 },
      { name: 'Fewer Heads, Higher Dim', dim: 128, depth: 6, heads: 4, mlpDim: 128 },
      { name: 'High MLP Dimension', dim: 64, depth: 6, heads: 8, mlpDim: 256 },
    ] as VitConfig[],
    patchSize: 7,
    trainImages: 60000,
    testImages: 10000,
    epochs: 1,
    batchSize: 100,
    lr: 3e-3,
    mapDigits: 8,
  },
  quick: {
    configs: [
      { name: 'Baseline', dim: 16, depth: 1, heads: 2, mlpDim: 32 },
      { name: 'Reduced Capacity', dim: 8, depth: 1, heads: 2, mlpDim: 16 },
    ],
    trainImages: 300,
    testImages: 300,
    epochs: 1,
    mapDigits: 4,
  },
  async run(ctx) {
    const s = ctx.settings;

    // ---- Part 1: the shapes of self-attention --------------------------------------------------
    const rows: ShapeRow[] = [];
    const numpy = noGrad(() => {
      const X = randn([32, 256]);
      const [Wq, Wk, Wv] = [0, 1, 2].map(() => randn([256, 256], { std: 1 / 16 }));
      return walkThrough(X.matmul(Wq), X.matmul(Wk), X.matmul(Wv), rows, {
        'Q': '32 × 256', 'A = softmax(scores)': '32 × 32', 'output A·V': '32 × 256',
      }, { 'Q': [32, 256], 'K': [32, 256], 'V': [32, 256], 'scores Q·Kᵀ/√d': [32, 32], 'A = softmax(scores)': [32, 32], 'output A·V': [32, 256] });
    });
    const numpyRows = rows.splice(0);
    const torchStyle = noGrad(() => {
      const x = randn([32, 20, 128]);
      const toQ = new nn.Linear(128, 64), toK = new nn.Linear(128, 64), toV = new nn.Linear(128, 32);
      return walkThrough(toQ.forward(x), toK.forward(x), toV.forward(x), rows, {
        'Q': '32 × 20 × 64', 'K': '32 × 20 × 64', 'V': '32 × 64 × 32', 'scores Q·Kᵀ/√d': '32 × 20 × 20', 'output A·V': '32 × 64 × 32',
      }, { 'Q': [32, 20, 64], 'K': [32, 20, 64], 'V': [32, 20, 32], 'scores Q·Kᵀ/√d': [32, 20, 20], 'A = softmax(scores)': [32, 20, 20], 'output A·V': [32, 20, 32] });
    });
    const torchRows = rows.splice(0);
    const table = (r: ShapeRow[]) => markdownTable(['tensor', 'computed shape', 'expected', 'match', 'the seed wrote'],
      r.map((x) => [x.name, shapeText(x.shape), shapeText(x.expected), shapeText(x.shape) === shapeText(x.expected) ? 'yes' : '**no**', x.seedSays || '—']));
    const allMatch = [...numpyRows, ...torchRows].every((x) => shapeText(x.shape) === shapeText(x.expected));
    ctx.section('## Self-attention shapes\n\n' +
      `### NumPy style: X 32 × 256, W_q, W_k, W_v 256 × 256\n\n${table(numpyRows)}\n\n` +
      `### PyTorch style: x 32 × 20 × 128 (batch × sequence × features), q/k width 64, v width 32\n\n${table(torchRows)}\n\n` +
      'The seed gives the values and the output as 32 × 64 × 32; the sequence length stays 20, so they are 32 × 20 × 32 ' +
      '(batch × seq_len × dim_v, as the seed\'s own formula says). Every row of A sums to 1 ' +
      `(largest error ${Math.max(numpy.rowSumError, torchStyle.rowSumError).toExponential(1)}), and the step-by-step output equals ` +
      `the engine's fused F.scaledDotProductAttention to ${Math.max(numpy.fusedError, torchStyle.fusedError).toExponential(1)}.`);
    ctx.keyNumber('all attention shapes as expected', allMatch, { seed: 'yes, except v and output written 32 × 64 × 32' });
    ctx.keyNumber('max |step-by-step − fused attention|', Math.max(numpy.fusedError, torchStyle.fusedError), { digits: 2 });
    ctx.result('shapes', { numpy: numpyRows.map((r) => ({ name: r.name, shape: r.shape })), pytorch: torchRows.map((r) => ({ name: r.name, shape: r.shape })) });

    // ---- Part 2: a vision transformer in six configurations -----------------------------------
    // Pixels in [0, 1] without standardisation, as the course notebook (ToTensor() only).
    const data = await mnistLoaders(ctx, { batchSize: s.batchSize, normalize: false, train: s.trainImages, test: s.testImages, sample: 'random' });
    const runs = [];
    const results: Array<{ config: VitConfig; parameters: number; accuracy: number; seconds: number }> = [];
    let mapModel: VisionTransformer | null = null;
    for (const config of s.configs) {
      const model = new VisionTransformer(config, s.patchSize);
      const fit = await ctx.fit({
        name: config.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), title: `ViT ${config.name} (${config.dim}/${config.depth}/${config.heads}/${config.mlpDim})`,
        model, loss: F.crossEntropy, optimizer: new optim.Adam(model.parameters(), { lr: s.lr }),
        train: data.train, test: data.test, epochs: s.epochs,
      });
      const seconds = fit.epochSeconds.reduce((a, b) => a + b, 0);
      results.push({ config, parameters: model.numParameters(), accuracy: fit.test!.accuracy, seconds });
      runs.push({ name: config.name, history: fit.history });
      if (config.name === 'Baseline') mapModel = model.keep();
      const seed = SEED_TABLE_5[config.name];
      ctx.keyNumber(`test accuracy, ${config.name}`, fit.test!.accuracy, { seed: seed?.[0], digits: 4 });
      ctx.timing(`training time, ${config.name} (seed ${seed ? `${seed[1]} s` : '—'})`, seconds);
    }
    budgetSection(ctx, [
      ['training images', '60,000', data.trainSet.length.toLocaleString('en-US')],
      ['epochs', 'several (not stated; 251–421 s per model on Colab)', String(s.epochs)],
      ['patches', 'not stated (the course notebook: 4 × 4 pixels, 49 patches)', `${s.patchSize} × ${s.patchSize} pixels, ${(28 / s.patchSize) ** 2} patches (a quarter of the tokens: ~3× cheaper)`],
      ['evaluated on', '10,000 test images', `${data.testSet.length.toLocaleString('en-US')} test images`],
    ]);
    // Final accuracy beside the seed's for every configuration; per-epoch curves only when there
    // is more than one epoch to draw (one epoch would be a column of dots).
    const epochsText = `${s.epochs} epoch${s.epochs > 1 ? 's' : ''}`;
    ctx.figure('accuracy-vs-seed', barChart({
      title: `ViT test accuracy after ${epochsText} beside the seed's Table 5`,
      categories: results.map((r) => r.config.name),
      series: [
        { name: `ours (${epochsText}, ${data.trainSet.length.toLocaleString('en-US')} images)`, values: results.map((r) => 100 * r.accuracy) },
        { name: 'seed (several epochs)', values: results.map((r) => 100 * (SEED_TABLE_5[r.config.name]?.[0] ?? NaN)) },
      ],
      y: { label: 'test accuracy (%)', domain: [ctx.quick ? 0 : 90, 101] },
      valueLabels: 3,
      legend: 'outside',
      width: 1400, height: 560,
    }), { caption: 'The seed\'s "validation accuracy" is on the test set after training, as ours.' });
    if (s.epochs > 1) ctx.figure('test-accuracy', historyChart(runs, 'testAccuracy', { title: 'Vision transformer on MNIST: test accuracy per epoch' }));
    ctx.section(`## Table 5 beside the seed's\n\n${markdownTable(['model', 'dim', 'depth', 'heads', 'MLP dim', 'parameters', 'test acc. (ours)', 'val. acc. (seed)', 'time (seed)'],
      results.map((r) => {
        const seed = SEED_TABLE_5[r.config.name];
        return [r.config.name, r.config.dim, r.config.depth, r.config.heads, r.config.mlpDim, r.parameters.toLocaleString('en-US'),
          `${(100 * r.accuracy).toFixed(2)} %`, seed ? `${(100 * seed[0]).toFixed(2)} %` : '—', seed ? `${seed[1]} s` : '—'];
      }))}\n\nOur training times are in the timing table at the end. The seed evaluated on the test set after training ` +
      '(its "validation accuracy"); so do we.');
    ctx.result('table5', results.map((r) => ({ ...r.config, parameters: r.parameters, testAccuracy: r.accuracy })));

    // ---- Attention maps of the baseline ---------------------------------------------------------
    const model = mapModel ?? new VisionTransformer(s.configs[0], s.patchSize);
    const n = s.mapDigits;
    const digits = noGrad(() => data.testSet.tensors[0].slice(0, 0, n));
    const maps = model.attentionMaps(digits);
    const grid = 28 / s.patchSize;
    const tokens = grid * grid + 1;
    const { last, rollout } = classTokenMaps(maps, n, tokens);
    const pixels = data.testImages.pixels;
    const cells: Float32Array[] = [];
    const captions: string[] = [];
    const predicted = noGrad(() => { model.eval(); const p = model.forward(digits).argmax(1).data(); model.train(); return p; });
    for (let i = 0; i < n; i++) {
      cells.push(Float32Array.from({ length: 784 }, (_, k) => pixels[i * 784 + k]));
      captions.push(`${data.testLabels[i]} → ${predicted[i]}`);
    }
    for (let i = 0; i < n; i++) { cells.push(upsampleMap(last[i], grid, 28)); captions.push(i === 0 ? 'last block' : ''); }
    for (let i = 0; i < n; i++) { cells.push(upsampleMap(rollout[i], grid, 28)); captions.push(i === 0 ? 'rollout' : ''); }
    const all = new Float32Array(cells.length * 784);
    cells.forEach((c, i) => all.set(c, i * 784));
    ctx.figure('attention-maps', captionedGrid({ pixels: all, width: 28, height: 28 },
      cells.map((_, i) => ({ index: i, caption: captions[i] })), { title: `What the class token attends to (${s.configs[0].name})`, cols: n }), {
      caption: `Top: test digits (true → predicted). Middle: the class token's attention over the ${grid * grid} patches in the last block, ` +
        'averaged over heads (white = most attention). Bottom: attention rollout through all blocks (½(A + I) multiplied block by block).',
    });
  },
});
