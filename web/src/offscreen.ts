// The canvas factory the browser passes to the plot code (cli/plot/png.ts): an OffscreenCanvas
// that encodes itself as PNG synchronously. `onRender` sees every finished figure.
import { setCanvasFactory, type PngCanvas } from '../../dist/cli/plot/png.js';
import type { Ctx2D } from '../../dist/cli/plot/types.js';
import { encodePng } from './png-encode.js';

export function offscreenCanvas(width: number, height: number, onRender?: (png: Uint8Array, canvas: OffscreenCanvas) => void): PngCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  return {
    getContext: () => ctx as unknown as Ctx2D,
    toBuffer() {
      const png = encodePng(ctx.getImageData(0, 0, width, height).data, width, height);
      onRender?.(png, canvas);
      return png;
    },
  };
}

export function useOffscreenCanvas(onRender?: (png: Uint8Array, canvas: OffscreenCanvas) => void): void {
  setCanvasFactory((w, h) => offscreenCanvas(w, h, onRender));
}
