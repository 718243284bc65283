// Seed 000, task 1: the derivative of f(x) = σ(x)² by reverse-mode autodiff on [-3, 3],
// checked against the analytic f'(x) = 2σ(x)·σ'(x) = 2σ(x)²(1 − σ(x)).
import { linspace } from '../../../bindings/index.js';
import { lineChart } from '../../plot/index.js';
import { register } from '../../registry.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

register({
  id: 'autodiff-sigmoid-squared',
  family: 'functions',
  title: 'Autodiff of σ(x)²: reverse mode vs the analytic derivative',
  seed: '000 "Deep learning", task 1',
  description:
    'f(x) = σ(x)² on [-3, 3]. One backward pass through sum(f(x)) gives every f\'(xᵢ) at once, ' +
    'because each term depends on its own xᵢ only. The analytic 2σ²(1 − σ) is evaluated in float64 ' +
    'at the same (float32) points, so the error shown is wasmgrad\'s float32 autodiff error.',
  // The whole job is one forward and one backward pass, so --quick changes nothing here.
  settings: { points: 601, interval: [-3, 3] },
  async run(ctx) {
    const n = ctx.settings.points;
    const [lo, hi] = ctx.settings.interval as [number, number];

    // (a) Reverse-mode AD.
    const x = linspace(lo, hi, n).requiresGrad_();
    const f = x.sigmoid().square();
    f.sum().backward();
    const xs = x.data();
    const fx = f.data();
    const ad = x.grad!.data();

    // (b) The analytic derivative, in float64.
    const exact = new Float64Array(n);
    const err = new Float64Array(n);
    let maxErr = 0;
    let argMax = 0;
    for (let i = 0; i < n; i++) {
      const s = sigmoid(xs[i]);
      exact[i] = 2 * s * s * (1 - s);
      err[i] = Math.abs(ad[i] - exact[i]);
      if (err[i] > maxErr) [maxErr, argMax] = [err[i], i];
    }
    const relErr = maxErr / Math.max(...exact);
    ctx.log(`max |AD − analytic| = ${maxErr.toExponential(3)} at x = ${xs[argMax].toFixed(3)}`);

    ctx.figure('derivative', lineChart({
      title: "f(x) = σ(x)² and its derivative f'(x)",
      x: { label: 'x', domain: [-3, 3] },
      y: { label: 'value' },
      series: [
        { name: 'f(x) = σ(x)²', x: xs, y: fx },
        { name: "f'(x), reverse-mode AD", x: xs, y: ad, lineWidth: 4 },
        { name: "f'(x) = 2σ²(1 − σ), analytic", x: xs, y: exact, dash: [7, 5], color: '#222222' },
      ],
      legend: 'top-left',
    }), { caption: 'The AD derivative (thick) and the analytic one (dashed) lie on top of each other.', data: false });

    ctx.figure('abs-error', lineChart({
      title: "Absolute error of the AD derivative, |f'_AD − f'_analytic|",
      x: { label: 'x', domain: [-3, 3] },
      y: { label: 'absolute error (log scale)', scale: 'log', domain: [1e-12, 1e-5] },
      series: [
        { name: '|AD − analytic|', x: xs, y: err, lineWidth: 1.2 },
        // The spacing of float32 numbers near f'(x): errors of a few of these are all one can ask.
        { name: "1 ulp of float32 at f'(x)", x: xs, y: Array.from(exact, (v) => 2 ** (Math.floor(Math.log2(v)) - 23)), dash: [6, 4], color: '#222222' },
      ],
      hlines: [{ at: 1e-6, label: 'tolerance 10⁻⁶', color: '#c0392b' }],
      legend: 'bottom-right',
    }), { caption: 'Points where AD matches the float64 value exactly (error 0) are off the log axis.', data: false });

    // The figures' numbers, once (the charts themselves are kept out of results.json).
    ctx.result('x', xs);
    ctx.result('f', fx);
    ctx.result('dfAD', ad);
    ctx.result('dfAnalytic', exact);
    ctx.keyNumber('max |AD − analytic| over the grid', maxErr, { note: 'float32 AD vs float64 formula; tolerance 1e-6' });
    ctx.keyNumber('max relative error (to max f\')', relErr);
    ctx.keyNumber('x of the largest error', xs[argMax]);
    ctx.keyNumber('points', n);
  },
});
