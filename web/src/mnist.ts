// The MNIST tab: train the CNN or the shallow net in a worker with live curves, then draw a
// digit (or pick a test digit) to see the probabilities, every layer's feature maps and the
// first layer's filters; they update as training goes on.
import { mnistSource, onEngineSettingsChange, threadCount } from './main.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let worker: Worker | null = null;
let ready = false;
let training = false;

function status(text: string): void {
  $('mnist-status').textContent = text;
}

function startWorker(): void {
  worker?.terminate();
  ready = false;
  training = false;
  status('loading MNIST…');
  worker = new Worker(new URL('./mnist-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => onMessage(e.data);
  worker.onerror = (e) => status(`worker error: ${e.message}`);
  worker.postMessage({ type: 'init', threads: threadCount(), mnist: mnistSource() });
  buttons();
}

function buttons(): void {
  ($('mnist-start') as HTMLButtonElement).disabled = !ready || training;
  ($('mnist-stop') as HTMLButtonElement).disabled = !training;
}

function onMessage(m: any): void {
  if (m.type === 'ready') {
    ready = true;
    buttons();
    status(`MNIST loaded from ${m.source}: ${m.train} training and ${m.test} test images; ${m.info.threads} thread(s). Choose a model and train.`);
  } else if (m.type === 'bitmap') {
    const c = $<HTMLCanvasElement>(m.target);
    c.width = m.bitmap.width;
    c.height = m.bitmap.height;
    c.style.width = `${m.bitmap.width / m.scale}px`; // drawn at `scale` device pixels per chart pixel
    c.getContext('2d')!.drawImage(m.bitmap, 0, 0);
    m.bitmap.close();
    c.dataset.drawn = String(Number(c.dataset.drawn ?? 0) + 1);
  } else if (m.type === 'progress') {
    status(`epoch ${m.epoch + 1}, batch ${m.batch}/${m.batches}: training loss ${m.loss.toFixed(4)}, ${Math.round(m.imagesPerSecond)} images/s`);
  } else if (m.type === 'accuracy') {
    const el = $('mnist-status');
    el.dataset.accuracy = String(m.testAccuracy);
    status(`after ${m.epoch.toFixed(2)} epochs: test accuracy ${(100 * m.testAccuracy).toFixed(2)} % (loss ${m.testLoss.toFixed(4)})`);
  } else if (m.type === 'trained') {
    training = false;
    const acc = m.history.length ? m.history[m.history.length - 1].testAccuracy : NaN;
    const el = $('mnist-status');
    el.dataset.imagesPerSecond = String(m.imagesPerSecond);
    el.dataset.done = '1';
    status(`${m.stopped ? 'stopped' : 'trained'}: ${m.seen} images, ${m.seconds.toFixed(1)} s of training steps (${Math.round(m.imagesPerSecond)} images/s); test accuracy ${(100 * acc).toFixed(2)} %. Draw a digit below.`);
    buttons();
  } else if (m.type === 'predicted') {
    const el = $('pad-result');
    if (m.error) {
      el.textContent = m.error;
      return;
    }
    el.textContent = `prediction ${m.prediction}: ` + m.probabilities.map((p: number, d: number) => `${d}: ${p.toFixed(3)}`).join('  ');
    el.dataset.probabilities = JSON.stringify(m.probabilities);
  } else if (m.type === 'error') {
    if (m.request === 'train') { training = false; buttons(); }
    if (m.request === 'predict' || m.request === 'predict-test') $('pad-result').textContent = m.message;
    else status(`error: ${m.message}`);
  }
}

function setupPad(): void {
  const pad = $<HTMLCanvasElement>('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  let drawing = false;
  let last: [number, number] | null = null;
  const pos = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
  };
  pad.onpointerdown = (e) => {
    drawing = true;
    last = pos(e);
    pad.setPointerCapture(e.pointerId);
  };
  pad.onpointermove = (e) => {
    if (!drawing || !last) return;
    const p = pos(e);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 18;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  };
  pad.onpointerup = () => {
    drawing = false;
    last = null;
    const img = ctx.getImageData(0, 0, pad.width, pad.height);
    worker?.postMessage({ type: 'predict', rgba: img.data, width: img.width, height: img.height });
  };
  $('pad-clear').onclick = clear;
  $('pad-test').onclick = () => worker?.postMessage({ type: 'predict-test', index: Number(($('test-index') as HTMLInputElement).value) });
}

export function setupMnist(): void {
  $('mnist-start').onclick = () => {
    if (!worker || !ready || training) return;
    training = true;
    buttons();
    delete $('mnist-status').dataset.done;
    status('training…');
    worker.postMessage({
      type: 'train',
      model: ($('mnist-model') as HTMLSelectElement).value,
      trainImages: Number(($('mnist-train-n') as HTMLInputElement).value),
      epochs: Number(($('mnist-epochs') as HTMLInputElement).value),
      seed: 42,
    });
  };
  $('mnist-stop').onclick = () => worker?.postMessage({ type: 'stop' });
  setupPad();
  // The worker (and its 55 MB of MNIST) starts when the tab is first opened.
  onEngineSettingsChange(() => { if (worker) startWorker(); });
  const tab = document.querySelector<HTMLButtonElement>('nav button[data-tab="mnist"]')!;
  tab.addEventListener('click', () => { if (!worker) startWorker(); });
  if (!$('tab-mnist').hidden) startWorker();
}
