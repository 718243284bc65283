// A grid of small images (grey or RGB) with a caption under each (e.g. misclassified digits).
import { blankWithTitle } from './axes.js';
import { colorMap, type ColorMapName } from './colorbar.js';
import { type Chart, font, theme } from './types.js';

export interface GridImage {
  /** Row-major intensities, `width × height` of them (RGB: three planes, R then G then B). */
  pixels: ArrayLike<number>;
  caption?: string;
  /** Caption colour, e.g. red for a wrong prediction. */
  captionColor?: string;
}

export interface ImageGridSpec {
  title: string;
  images: GridImage[];
  /** Pixel size of every image (MNIST: 28 × 28). */
  imageWidth: number;
  imageHeight: number;
  cols?: number;
  /** Chart pixels per image pixel. */
  zoom?: number;
  /** Intensity range mapped onto the colour map (default 0..1). */
  range?: [number, number];
  /** Default 'greys': low intensity black, high white, as MNIST digits are usually shown. */
  colormap?: ColorMapName;
  /** 3: colour images, planar (CHW, as tensors hold them). Default 1. */
  channels?: 1 | 3;
}

export function imageGrid(spec: ImageGridSpec): Chart {
  const cols = spec.cols ?? Math.min(10, spec.images.length || 1);
  const rows = Math.max(1, Math.ceil(spec.images.length / cols));
  const zoom = spec.zoom ?? 3;
  const cellW = Math.max(spec.imageWidth * zoom, 96) + 12;
  const captionH = theme.tickSize + 10;
  const cellH = spec.imageHeight * zoom + captionH + 10;
  const top = theme.titleSize + 26;
  const [lo, hi] = spec.range ?? [0, 1];
  const cmap = colorMap(spec.colormap, 'greys');
  // Wide enough for the title even when there are only one or two images.
  const width = Math.max(cols * cellW + 24, Math.ceil(spec.title.length * theme.titleSize * 0.62) + 40);
  const height = top + rows * cellH + 12;
  return {
    width,
    height,
    title: spec.title,
    data: { captions: spec.images.map((im) => im.caption ?? '') },
    draw(ctx, box) {
      ctx.save();
      blankWithTitle(ctx, box, spec.title);
      // Scale the nominal layout into whatever box a panel grid hands us.
      const s = Math.min(box.w / width, (box.h - top) / (height - top));
      const x0 = box.x + (box.w - width * s) / 2 + 12 * s;
      const y0 = box.y + top;
      const px = zoom * s;
      // Caching colours per grey level keeps ~1000 rects per digit cheap.
      const cache = new Map<number, string>();
      const plane = spec.imageWidth * spec.imageHeight;
      const level = (v: number) => Math.round(Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1))) * 255);
      spec.images.forEach((im, k) => {
        const cx = x0 + (k % cols) * cellW * s + (cellW * s - spec.imageWidth * px) / 2 - 6 * s;
        const cy = y0 + Math.floor(k / cols) * cellH * s;
        for (let r = 0; r < spec.imageHeight; r++) {
          for (let c = 0; c < spec.imageWidth; c++) {
            const i = r * spec.imageWidth + c;
            if (spec.channels === 3) {
              ctx.fillStyle = `rgb(${level(im.pixels[i])},${level(im.pixels[plane + i])},${level(im.pixels[2 * plane + i])})`;
            } else {
              const t = level(im.pixels[i]);
              let col = cache.get(t);
              if (col === undefined) cache.set(t, (col = cmap(t / 255)));
              ctx.fillStyle = col;
            }
            // Overdraw by a fraction of a pixel so antialiasing leaves no seams between cells.
            ctx.fillRect(cx + c * px, cy + r * px, px + 0.35, px + 0.35);
          }
        }
        ctx.strokeStyle = '#999999';
        ctx.lineWidth = 1;
        ctx.strokeRect(cx - 0.5, cy - 0.5, spec.imageWidth * px + 1, spec.imageHeight * px + 1);
        if (im.caption) {
          ctx.fillStyle = im.captionColor ?? theme.text;
          ctx.font = font(theme.tickSize * Math.min(1, s));
          ctx.textAlign = 'center';
          ctx.textBaseline = 'top';
          ctx.fillText(im.caption, cx + (spec.imageWidth * px) / 2, cy + spec.imageHeight * px + 5 * s);
        }
      });
      ctx.restore();
    },
  };
}
