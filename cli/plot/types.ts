// Shared shapes of the plot library. Drawing code only needs this structural subset of
// CanvasRenderingContext2D, so the same charts draw in a browser page and on @napi-rs/canvas.
import { schemeTableau10 } from 'd3-scale-chromatic';

export interface Ctx2D {
  // Wider than `string` on purpose: real contexts type these as string | CanvasGradient | ...,
  // and mutable properties must accept the implementation's type to stay assignable.
  fillStyle: string | object;
  strokeStyle: string | object;
  lineWidth: number;
  font: string;
  textAlign: string;
  textBaseline: string;
  globalAlpha: number;
  lineJoin: string;
  lineCap: string;
  save(): void;
  restore(): void;
  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  arc(x: number, y: number, r: number, start: number, end: number): void;
  fill(): void;
  stroke(): void;
  clip(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  strokeText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  scale(x: number, y: number): void;
  setLineDash(segments: number[]): void;
}

/** A rectangle in canvas pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Something drawable: a chart knows its preferred size and draws itself into any box, which
 * is what lets `panels()` tile charts and `png.ts` render one alone.
 */
export interface Chart {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  draw(ctx: Ctx2D, box: Box): void;
  /** The numbers behind the figure, for results.json (absent when they would be huge). */
  readonly data?: unknown;
}

export type Marker = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'none';

export const theme = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  background: '#ffffff',
  text: '#1a1a1a',
  axis: '#333333',
  grid: '#e5e5e5',
  titleSize: 17,
  labelSize: 14,
  tickSize: 12,
  legendSize: 12,
  palette: schemeTableau10 as readonly string[],
};

export function color(i: number, given?: string): string {
  return given ?? theme.palette[i % theme.palette.length];
}

export function font(size: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight} ${size}px ${theme.font}`;
}

export function inset(b: Box, top: number, right: number, bottom: number, left: number): Box {
  return { x: b.x + left, y: b.y + top, w: Math.max(1, b.w - left - right), h: Math.max(1, b.h - top - bottom) };
}

/** x/y series as plain arrays, for a chart's `data` in results.json. */
export function xyData(list: Array<{ name: string; x: ArrayLike<number>; y: ArrayLike<number> }>) {
  return list.map((s) => ({ name: s.name, x: Array.from(s.x), y: Array.from(s.y) }));
}
