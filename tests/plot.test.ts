// Every chart kind renders to a PNG of the expected size, puts its colours where the data is,
// and renders byte-identically twice.
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { interpolateViridis } from 'd3-scale-chromatic';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeScale, powerOfTen, ticks } from '../cli/plot/axes.js';
import { type Chart, barChart, confusionMatrix, contourChart, contourLevels, imageGrid, lineChart, panels, sampleGrid, scatterChart } from '../cli/plot/index.js';
import { renderPng } from '../cli/plot/png.js';

interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

async function decode(png: Buffer): Promise<Pixels> {
  const img = await loadImage(png);
  const c = createCanvas(img.width, img.height);
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  return { width: img.width, height: img.height, data: g.getImageData(0, 0, img.width, img.height).data };
}

function rgb(css: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css) ?? /^rgb\((\d+), ?(\d+), ?(\d+)\)$/.exec(css);
  if (!m) throw new Error(`colour ${css}`);
  return css.startsWith('#') ? [1, 2, 3].map((i) => parseInt(m[i], 16)) as [number, number, number] : [+m[1], +m[2], +m[3]];
}

function pixel(p: Pixels, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * p.width + Math.round(x)) * 4;
  return [p.data[i], p.data[i + 1], p.data[i + 2]];
}

/** Pixels within `tol` of `color`, in the region given as fractions of the image. */
function count(p: Pixels, color: string, region = { x0: 0, y0: 0, x1: 1, y1: 1 }, tol = 12): number {
  const [r, g, b] = rgb(color);
  let n = 0;
  for (let y = Math.floor(region.y0 * p.height); y < region.y1 * p.height; y++) {
    for (let x = Math.floor(region.x0 * p.width); x < region.x1 * p.width; x++) {
      const i = (y * p.width + x) * 4;
      if (Math.abs(p.data[i] - r) <= tol && Math.abs(p.data[i + 1] - g) <= tol && Math.abs(p.data[i + 2] - b) <= tol) n++;
    }
  }
  return n;
}

async function render(chart: Chart): Promise<Pixels> {
  const png = Buffer.from(renderPng(chart));
  assert.ok(png.equals(renderPng(chart)), `${chart.title}: two renders differ`);
  // IHDR: width and height are the big-endian words at bytes 16 and 20.
  assert.is(png.readUInt32BE(16), chart.width * 2);
  assert.is(png.readUInt32BE(20), chart.height * 2);
  const p = await decode(png);
  assert.is(p.width, chart.width * 2);
  assert.equal(pixel(p, 2, 2), [255, 255, 255], 'white background');
  return p;
}

test('line chart: series colours where the series pass, NaN gaps tolerated, log axes', async () => {
  const x = Array.from({ length: 50 }, (_, i) => i);
  const p = await render(
    lineChart({
      title: 'Lines',
      x: { label: 'step' },
      y: { label: 'value', domain: [0, 1] },
      series: [
        { name: 'low', x, y: x.map(() => 0.25), color: '#ff0000' },
        { name: 'high', x, y: x.map((i) => (i === 20 ? NaN : 0.75)), color: '#0000ff', marker: 'circle' },
      ],
      vlines: [{ at: 25, label: 'threshold' }],
    }),
  );
  // The low line is in the lower half of the image, the high one in the upper half (the
  // legend's swatches sit in a corner, outside the middle strip sampled here).
  assert.ok(count(p, '#ff0000', { x0: 0.2, y0: 0.5, x1: 0.6, y1: 1 }) > 500);
  assert.is(count(p, '#ff0000', { x0: 0.2, y0: 0, x1: 0.6, y1: 0.45 }), 0);
  assert.ok(count(p, '#0000ff', { x0: 0.2, y0: 0, x1: 0.6, y1: 0.5 }) > 500);

  await render(lineChart({ title: 'Log', x: { scale: 'log' }, y: { scale: 'log' }, series: [{ name: 'a', x: [1, 10, 100, 1000], y: [1e-6, 0, 1e3, Infinity] }] }));
});

test('line chart: a long title over a plot narrowed by a legend outside stays inside the figure', async () => {
  const x = [1, 2];
  const title = 'Test accuracy per epoch: the course CNN and four variants';
  const p = await render(lineChart({
    title, width: 800, height: 500, legend: 'outside', x: { label: 'epoch' }, y: { label: 'accuracy' },
    series: ['first model with a long descriptive name', 'second model with a long descriptive name'].map((name, i) => ({ name, x, y: [0.9 + i * 0.01, 0.95] })),
  }));
  // the title band (above the plot) has dark text pixels, none in the outermost 6 px on either side
  const band = { y0: 0, y1: 40 / 500 }, edge = 6 / 800;
  assert.ok(count(p, '#1a1a1a', { x0: 0, x1: 1, ...band }, 60) > 200, 'the title is drawn');
  assert.is(count(p, '#1a1a1a', { x0: 0, x1: edge, ...band }, 60), 0, 'not cut at the left edge');
  assert.is(count(p, '#1a1a1a', { x0: 1 - edge, x1: 1, ...band }, 60), 0, 'not cut at the right edge');
});

test('scatter: one colour per class', async () => {
  const p = await render(
    scatterChart({
      title: 'Classes',
      classes: [
        { name: 'zero', x: [0, 0.1, 0.2], y: [0, 0.1, 0.2], color: '#00aa00' },
        { name: 'one', x: [1, 0.9, 0.8], y: [1, 0.9, 0.8], color: '#aa00aa' },
      ],
    }),
  );
  // Class 0 sits bottom left, class 1 top right.
  assert.ok(count(p, '#00aa00', { x0: 0, y0: 0.5, x1: 0.5, y1: 1 }) > 50);
  assert.ok(count(p, '#aa00aa', { x0: 0.4, y0: 0, x1: 1, y1: 0.5 }) > 50);
  assert.is(count(p, '#00aa00', { x0: 0.5, y0: 0, x1: 1, y1: 0.5 }), 0);
});

test('contour: filled bands take the colour map, trajectories drawn over them', async () => {
  const grid = sampleGrid((x) => x, [0, 1], [0, 1], 51);
  const chart = contourChart({ title: 'f = x', grid, levels: [0, 0.5, 1], trajectories: [{ name: 'path', x: [0.1, 0.9], y: [0.5, 0.5], color: '#ff0000' }], legend: 'outside' });
  const p = await render(chart);
  // Two bands: x < 0.5 has viridis(0), x > 0.5 viridis(1); the plot spans roughly 10..75 % of the width.
  assert.ok(count(p, interpolateViridis(0), { x0: 0.1, y0: 0.2, x1: 0.35, y1: 0.4 }) > 1000);
  assert.ok(count(p, interpolateViridis(1), { x0: 0.5, y0: 0.2, x1: 0.7, y1: 0.4 }) > 1000);
  assert.ok(count(p, '#ff0000') > 200);
  assert.equal((chart.data as { levels: number[] }).levels, [0, 0.5, 1]);

  const log = contourLevels([1e-3, 1, 1e3], 6, true);
  assert.is(log.length, 7);
  assert.ok(Math.abs(log[1] / log[0] - 10) < 1e-9 && Math.abs(log[6] - 1e3) < 1e-9);
});

test('panels: a grid of charts under one title', async () => {
  const f = (x: number, y: number) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2;
  const grid = sampleGrid(f, [-6, 6], [-6, 6], 61);
  const charts = ['SGD', 'Adam', 'RMSprop'].map((t) => contourChart({ title: t, grid, logLevels: true, mode: 'both', width: 400, height: 320 }));
  const chart = panels({ title: 'Optimizers', charts, cols: 2 });
  assert.is(chart.width, 800);
  await render(chart);
});

test('image grid: pixels keep their intensity, captions under each', async () => {
  const black = { pixels: new Array(28 * 28).fill(0), caption: 'true 3 / pred 5', captionColor: '#cc0000' };
  const white = { pixels: new Array(28 * 28).fill(1), caption: 'true 1 / pred 7' };
  const p = await render(imageGrid({ title: 'Digits', images: [black, white], imageWidth: 28, imageHeight: 28, cols: 2 }));
  assert.ok(count(p, '#000000', undefined, 2) > 28 * 28 * 9 * 0.9); // zoom 3, scale 2: 6×6 device pixels each
  assert.ok(count(p, '#cc0000', undefined, 40) > 20);
});

test('confusion matrix: diagonal darkest', async () => {
  const m = [
    [50, 1, 0],
    [2, 40, 3],
    [0, 0, 60],
  ];
  const p = await render(confusionMatrix({ title: 'Confusion', matrix: m, labels: ['a', 'b', 'c'] }));
  // Inside the top-left cell, away from its (white) count: a strong blue.
  const [r, g, b] = pixel(p, p.width * 0.2, p.height * 0.15);
  assert.ok(b > r + 60 && b > g, `cell colour ${r},${g},${b}`);
});

test('bar chart: bars in their colours', async () => {
  const p = await render(barChart({ title: 'Bars', categories: ['a', 'b'], series: [{ name: 'ours', values: [1, 2], color: '#008080' }, { name: 'seed', values: [1.5, 2.5], color: '#800080' }], valueLabels: 3 }));
  assert.ok(count(p, '#008080') > 2000);
  assert.ok(count(p, '#800080') > 2000);
});

test('axis ticks: powers of ten as superscripts on many-decade log axes', () => {
  assert.is(powerOfTen(-3), '10⁻³');
  const t = ticks(makeScale('log', [1e-6, 1e2], [0, 500]), 'log', 5).filter((x) => x.label);
  assert.ok(t.length >= 2 && t.length <= 6);
  assert.ok(t.every((x) => x.label!.startsWith('10')));
});

test.run();
