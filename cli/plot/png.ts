// Node-only: renders a chart on an @napi-rs/canvas canvas and writes the PNG atomically.
// Kept apart from the drawing code so that the charts themselves stay browser-safe.
import { createCanvas } from '@napi-rs/canvas';
import { writeFileAtomic } from '../atomic.js';
import { type Chart, type Ctx2D } from './types.js';

/** A canvas that charts draw on and that encodes itself as PNG, synchronously. */
export interface PngCanvas {
  getContext(kind: '2d'): Ctx2D;
  toBuffer(mime: 'image/png'): Uint8Array;
}

/** Makes a width × height canvas: @napi-rs/canvas in Node; a browser page passes an OffscreenCanvas wrapper. */
export type CanvasFactory = (width: number, height: number) => PngCanvas;

let canvasFactory: CanvasFactory = createCanvas as unknown as CanvasFactory;

/** Replaces the canvas every figure is drawn on (the web app's Web Worker draws on OffscreenCanvas). */
export function setCanvasFactory(factory: CanvasFactory): void {
  canvasFactory = factory;
}

/**
 * PNG bytes of `chart`, drawn at `scale` device pixels per chart pixel (2 gives crisp text
 * when the figure is shown at its nominal size). Same chart, same bytes: nothing here reads
 * the clock or a random source.
 */
export function renderPng(chart: Chart, scale = 2): Uint8Array {
  const canvas = canvasFactory(Math.round(chart.width * scale), Math.round(chart.height * scale));
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  chart.draw(ctx, { x: 0, y: 0, w: chart.width, h: chart.height });
  return canvas.toBuffer('image/png');
}

export function savePng(file: string, chart: Chart, scale = 2): void {
  writeFileAtomic(file, renderPng(chart, scale));
}
