// The optimiser playground: Himmelblau's and Rosenbrock's functions, the engine's optimisers
// (autodiff on a two-element tensor, as the `himmelblau` and `rosenbrock-optimizers`
// experiments do), and the trajectories animated over the CLI's contour figure. Runs on the
// page's own thread: a few thousand two-parameter steps take milliseconds.
import { init, isInitialized, optim, tensor, type Tensor } from '../../dist/bindings/index.js';
import { contourWithTrajectories, thinTrajectory } from '../../dist/cli/harness/contour.js';
import type { Chart } from '../../dist/cli/plot/types.js';

interface Fn {
  title: string;
  f64: (x: number, y: number) => number;
  f: (p: Tensor) => Tensor;
  x: [number, number];
  y: [number, number];
  start: [number, number];
  marks: Array<{ x: number; y: number; label: string }>;
}

const part = (p: Tensor) => [p.slice(0, 0, 1), p.slice(0, 1, 2)];
const FNS: Record<string, Fn> = {
  himmelblau: {
    title: 'Himmelblau: (x² + y − 11)² + (x + y² − 7)²',
    f64: (x, y) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
    f: (p) => { const [x, y] = part(p); return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()).sum(); },
    x: [-6, 6], y: [-6, 6], start: [0, -1],
    marks: [{ x: 3, y: 2, label: 'A' }, { x: -2.805118, y: 3.131312, label: 'B' }, { x: -3.77931, y: -3.283186, label: 'C' }, { x: 3.584428, y: -1.848126, label: 'D' }],
  },
  rosenbrock: {
    title: 'Rosenbrock: (1 − x)² + 100 (y − x²)²',
    f64: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    f: (p) => { const [x, y] = part(p); return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)).sum(); },
    x: [-2, 2], y: [-1, 3], start: [-1.5, 2.5],
    marks: [{ x: 1, y: 1, label: 'minimum (1, 1)' }],
  },
};

interface OptChoice { name: string; make: (p: Tensor, lr: number) => optim.Optimizer; lr: Record<string, number>; on: boolean; color: string }
const OPTIMIZERS: OptChoice[] = [
  { name: 'SGD', make: (p, lr) => new optim.SGD([p], { lr }), lr: { himmelblau: 0.01, rosenbrock: 1e-3 }, on: true, color: '#e15759' },
  { name: 'SGD momentum 0.9', make: (p, lr) => new optim.SGD([p], { lr, momentum: 0.9 }), lr: { himmelblau: 1e-3, rosenbrock: 1e-4 }, on: true, color: '#f28e2b' },
  { name: 'Adam', make: (p, lr) => new optim.Adam([p], { lr }), lr: { himmelblau: 0.05, rosenbrock: 0.05 }, on: true, color: '#4e79a7' },
  { name: 'RMSprop', make: (p, lr) => new optim.RMSprop([p], { lr }), lr: { himmelblau: 0.01, rosenbrock: 0.01 }, on: false, color: '#76b7b2' },
  { name: 'Adagrad', make: (p, lr) => new optim.Adagrad([p], { lr }), lr: { himmelblau: 0.5, rosenbrock: 0.5 }, on: false, color: '#59a14f' },
];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let fnName = 'himmelblau';
let start: [number, number] = [...FNS.himmelblau.start];
let frame = { x: 0, y: 0, w: 1, h: 1 };
let animation = 0;

/** Draws `chart` on the canvas and records the plot area (the rectangle the chart clips its data to). */
function draw(chart: Chart): void {
  const canvas = $<HTMLCanvasElement>('pg-canvas');
  canvas.width = chart.width;
  canvas.height = chart.height;
  const ctx = canvas.getContext('2d')!;
  let lastRect = frame;
  const spy = new Proxy(ctx, {
    get(target, prop) {
      if (prop === 'rect') return (x: number, y: number, w: number, h: number) => { lastRect = { x, y, w, h }; target.rect(x, y, w, h); };
      if (prop === 'clip') return () => { frame = lastRect; target.clip(); };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value);
    },
  });
  chart.draw(spy as never, { x: 0, y: 0, w: chart.width, h: chart.height });
}

function chartOf(paths: Array<{ name: string; x: number[]; y: number[]; color: string }>, upTo: number): Chart {
  const fn = FNS[fnName];
  return contourWithTrajectories({
    title: fn.title, f: fn.f64, x: fn.x, y: fn.y, samples: 161, marks: fn.marks, legend: 'top-right',
    trajectories: paths.map((p) => {
      const t = thinTrajectory(p.name, p.x.slice(0, upTo + 1), p.y.slice(0, upTo + 1), { color: p.color });
      return t;
    }),
    width: 900, height: 700,
  });
}

function lrInput(o: OptChoice): HTMLInputElement {
  return document.querySelector<HTMLInputElement>(`#pg-optimizers input[data-lr="${o.name}"]`)!;
}

function optimizerControls(): void {
  const el = $('pg-optimizers');
  el.innerHTML = '';
  for (const o of OPTIMIZERS) {
    const label = document.createElement('label');
    label.innerHTML = `<input type="checkbox" ${o.on ? 'checked' : ''}> ${o.name} lr <input type="number" step="any" size="6" style="width:6em">`;
    const [check, lr] = label.querySelectorAll('input');
    check.onchange = () => { o.on = check.checked; };
    lr.dataset.lr = o.name;
    lr.value = String(o.lr[fnName]);
    el.append(label);
  }
}

/** Runs every chosen optimiser from the start point, then animates the paths step by step. */
function run(): void {
  const fn = FNS[fnName];
  const steps = Math.max(1, Math.min(20000, Number($<HTMLInputElement>('pg-steps').value) || 500));
  const paths = OPTIMIZERS.filter((o) => o.on).map((o) => {
    const lr = Number(lrInput(o).value);
    const p = tensor([...start], { requiresGrad: true });
    const opt = o.make(p, lr);
    const x = [start[0]], y = [start[1]];
    for (let k = 0; k < steps; k++) {
      opt.zeroGrad();
      fn.f(p).backward();
      opt.step();
      const [px, py] = p.data();
      x.push(px);
      y.push(py);
      if (!Number.isFinite(px) || !Number.isFinite(py)) break;
    }
    p.dispose?.();
    const end = x.length - 1;
    return { name: `${o.name}, lr ${lr}: f = ${fn.f64(x[end], y[end]).toPrecision(3)}`, x, y, color: o.color };
  });
  cancelAnimationFrame(animation);
  const t0 = performance.now();
  const seconds = 2.5;
  const status = $('pg-status');
  const tick = () => {
    const k = Math.min(steps, Math.round(((performance.now() - t0) / 1000 / seconds) * steps));
    draw(chartOf(paths, k));
    status.textContent = `step ${k} / ${steps} from (${start[0].toFixed(3)}, ${start[1].toFixed(3)})`;
    status.dataset.step = String(k);
    if (k < steps) animation = requestAnimationFrame(tick);
  };
  tick();
}

export function setupPlayground(): void {
  optimizerControls();
  $<HTMLSelectElement>('pg-function').onchange = (e) => {
    fnName = (e.target as HTMLSelectElement).value;
    start = [...FNS[fnName].start];
    optimizerControls();
    run();
  };
  $('pg-run').onclick = run;
  $<HTMLCanvasElement>('pg-canvas').onclick = (e) => {
    const c = e.target as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * c.width;
    const py = ((e.clientY - r.top) / r.height) * c.height;
    const fn = FNS[fnName];
    if (px < frame.x || px > frame.x + frame.w || py < frame.y || py > frame.y + frame.h) return;
    start = [fn.x[0] + ((px - frame.x) / frame.w) * (fn.x[1] - fn.x[0]), fn.y[1] - ((py - frame.y) / frame.h) * (fn.y[1] - fn.y[0])];
    run();
  };
  const tab = document.querySelector<HTMLButtonElement>('nav button[data-tab="playground"]')!;
  let started = false;
  const begin = async () => {
    if (started) return;
    started = true;
    if (!isInitialized()) await init();
    run();
  };
  tab.addEventListener('click', begin);
  if (!$('tab-playground').hidden) begin();
}
