// Seed 003, exercise 3.3 (first part): a convolution is a matrix product. With k = [1, 0, 1] and
// x = [2, 5, 4, 1, 3, 7] (no padding, stride 1) the output has 6 − 3 + 1 = 4 entries, so the
// convolution is a 4×6 Toeplitz matrix A with y = A·x. We build A from the engine's conv2d
// itself (the response to each unit input is one column of A) and read Aᵀ off the convolution's
// input gradient (the vector–Jacobian product of conv with an upstream g is Aᵀg): "transposed
// convolution" is the backward pass of convolution. Then Aᵀy ≠ x, as the seed argues.
import { type Tensor, noGrad, tensor } from '../../../bindings/index.js';
import { conv2d } from '../../../bindings/nn/functional.js';
import { barChart, imageGrid, panels } from '../../plot/index.js';
import { register } from '../../registry.js';

/** A vector as a one-row, one-channel image [1, 1, 1, n]: conv2d with a 1×m kernel is 1-D convolution. */
const asSignal = (v: number[], requiresGrad = false) => tensor([[[v]]], { requiresGrad });
const flat = (t: Tensor) => Array.from(t.data());
const show = (v: number[]) => `[${v.join(', ')}]`;
const matrixRows = (m: number[][]) => m.map((r) => `| ${r.join(' | ')} |`).join('\n');

register({
  id: 'conv-toeplitz',
  family: 'cnn',
  title: 'Convolution as a Toeplitz matrix: y = A·x and Aᵀy ≠ x',
  seed: '003 "Artificial neural networks", exercise 3.3',
  description:
    'k = [1, 0, 1] slides over x = [2, 5, 4, 1, 3, 7] (no padding, stride 1). The engine\'s conv2d gives y = A·x; ' +
    'A (4×6) is built column by column from the convolution\'s response to the six unit inputs, and Aᵀ row by row from its input gradient ' +
    '(the backward pass of a convolution multiplies by Aᵀ). Aᵀy does not give back x: A has a two-dimensional null space.',
  settings: { kernel: [1, 0, 1], x: [2, 5, 4, 1, 3, 7] },
  async run(ctx) {
    const { kernel, x } = ctx.settings;
    const n = x.length;
    const m = kernel.length;
    const weight = tensor([[[kernel]]]);

    // y = conv(x): the exercise's forward pass.
    const xs = asSignal(x, true);
    const yT = conv2d(xs, weight);
    const y = flat(yT);
    ctx.keyNumber('y = conv(x)', show(y), { seed: '[6, 6, 7, 8]' });

    // A column by column: conv(e_j) = A·e_j, all six unit inputs as one batch [n, 1, 1, n].
    const unit = (k: number) => Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
    const columns = noGrad(() => conv2d(tensor(unit(n)).reshape(n, 1, 1, n), weight).reshape(n, n - m + 1));
    const A = columns.T.keep();
    const aRows = A.toArray() as number[][];

    // Aᵀ row by row from the backward pass: ∂(g·conv(x))/∂x = Aᵀg; with g = e_i that is row i of A.
    const fromGradient: number[][] = [];
    for (let i = 0; i < n - m + 1; i++) {
      const xi = asSignal(x, true);
      conv2d(xi, weight).reshape(n - m + 1).mul(tensor(unit(n - m + 1)[i])).sum().backward();
      fromGradient.push(flat(xi.grad!));
    }
    const gradientMismatch = Math.max(...aRows.flatMap((r, i) => r.map((v, j) => Math.abs(v - fromGradient[i][j]))));

    // y = A·x by matmul agrees with the convolution.
    const yMatmul = flat(A.matmul(tensor(x).reshape(n, 1)));
    const matmulMismatch = Math.max(...y.map((v, i) => Math.abs(v - yMatmul[i])));

    // x̂ = Aᵀy twice: the transposed matrix times y, and the convolution's input gradient with upstream y.
    const xHat = flat(A.T.matmul(tensor(y).reshape(y.length, 1)));
    yT.backward(tensor([[[y]]]));
    const xHatGrad = flat(xs.grad!);
    const transposeMismatch = Math.max(...xHat.map((v, i) => Math.abs(v - xHatGrad[i])));

    // Why x cannot come back: two directions that the convolution does not see (A·v = 0).
    const nullSpace = [[1, 0, -1, 0, 1, 0], [0, 1, 0, -1, 0, 1]];
    const nullResponse = nullSpace.map((v) => flat(A.matmul(tensor(v).reshape(n, 1))));
    const other = x.map((v, i) => v + nullSpace[0][i] - 2 * nullSpace[1][i]);
    const yOther = flat(conv2d(asSignal(other), weight));

    ctx.keyNumber('A (rows)', aRows.map(show).join(' '), { seed: '[1,0,1,0,0,0] [0,1,0,1,0,0] [0,0,1,0,1,0] [0,0,0,1,0,1]' });
    ctx.keyNumber('max |A·x − conv(x)|', matmulMismatch, { seed: 0 });
    ctx.keyNumber('max |A from unit inputs − A from input gradients|', gradientMismatch, { note: 'Aᵀ is the backward pass of the convolution' });
    ctx.keyNumber('x̂ = Aᵀy', show(xHat), { seed: '[6, 6, 13, 14, 7, 8]', note: 'the seed multiplies Aᵀ by a 5-entry vector [6, 6, 13, 7, 8] (a slip: y = [6, 6, 7, 8]); its result is right' });
    ctx.keyNumber('max |Aᵀy − conv input gradient with upstream y|', transposeMismatch, { seed: 0 });
    ctx.keyNumber('x̂ equals x', xHat.every((v, i) => v === x[i]), { seed: 'no' });
    ctx.result('A', aRows);
    ctx.result('AtFromGradient', fromGradient);
    ctx.result('y', y);
    ctx.result('xHat', xHat);
    ctx.result('nullSpace', { vectors: nullSpace, response: nullResponse, otherInput: other, itsOutput: yOther });

    ctx.section([
      '### The Toeplitz matrix A, built from the engine\'s convolution',
      '',
      `| ${Array.from({ length: n }, (_, j) => `e${j + 1}`).join(' | ')} |`,
      `|${Array.from({ length: n }, () => '---').join('|')}|`,
      matrixRows(aRows),
      '',
      `y = A·x = ${show(y)}; x̂ = Aᵀy = ${show(xHat)} ≠ x = ${show(x)}.`,
      '',
      `A is 4×6, so A·v = 0 for every v in a two-dimensional null space, e.g. ${show(nullSpace[0])} and ${show(nullSpace[1])} ` +
        `(A times them gives ${nullResponse.map(show).join(' and ')}). Another input, ${show(other)} = x + v₁ − 2v₂, has the same output ${show(yOther)}: ` +
        'no matrix can map y back to x, and Aᵀ is not an inverse (AᵀA is not the identity).',
      '',
      '**The seed\'s slips.** In its equation (14) the seed multiplies the 6×4 matrix Aᵀ by the 5-entry vector [6, 6, 13, 7, 8]; ' +
        'y is [6, 6, 7, 8] (the 13 belongs to x̂, not to y). Its printed Aᵀ and its result x̂ = [6, 6, 13, 14, 7, 8] are right. ' +
        'It also says the matrix is not square "with no padding and stride greater than one"; here the stride is 1 — ' +
        'the output is shorter (n − m + 1 = 4) because there is no padding.',
    ].join('\n'));

    const matrixImage = (rows: number[][], title: string) => imageGrid({
      title, images: [{ pixels: rows.flat(), caption: `${rows.length}×${rows[0].length}` }],
      imageWidth: rows[0].length, imageHeight: rows.length, zoom: 40, colormap: 'viridis', range: [0, 1],
    });
    ctx.figure('toeplitz', panels({
      title: 'Convolution with k = [1, 0, 1] as a matrix',
      charts: [
        matrixImage(aRows, 'A from conv2d of unit inputs'),
        matrixImage(fromGradient, 'A from conv2d input gradients'),
        barChart({
          title: 'x and x̂ = Aᵀy',
          categories: x.map((_, i) => `x${i + 1}`),
          series: [{ name: 'x', values: x }, { name: 'x̂ = Aᵀy', values: xHat }],
          y: { label: 'value' }, valueLabels: 3,
        }),
      ],
      panelWidth: 330, panelHeight: 300,
    }), { caption: 'Yellow = 1, dark = 0. Both ways of building A agree; Aᵀy (orange) is not x (blue).' });
  },
});
