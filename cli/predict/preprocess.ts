// Turns a photo or drawing of one digit into an MNIST-like 28×28 input, the way MNIST itself was
// made (LeCun et al.): grey levels with the digit light on black, cropped to the digit, scaled
// into a 20×20 box keeping the aspect ratio (anti-aliased, which gives MNIST its grey edges),
// then placed in the 28×28 field so that its centre of mass is at the centre.
// Pure functions on grey pixels (0..255); decoding the file is predict.ts's job.

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major grey levels, 0 black .. 255 white. */
  pixels: Uint8Array | Float32Array;
}

export interface Prepared {
  /** 28 × 28 intensities in [0, 1], digit light on black (MNIST's convention before normalisation). */
  pixels: Float32Array;
  /** Whether the image was inverted (a dark digit on a light background, as most drawings are). */
  inverted: boolean;
  /** The digit's bounding box in the source image. */
  box: { x: number; y: number; width: number; height: number };
}

export const FIELD = 28;
export const BOX = 20;

/** The median grey level of the image's outermost rows and columns: the background. */
function borderLevel(img: GreyImage): number {
  const { width: w, height: h, pixels: p } = img;
  const v: number[] = [];
  for (let x = 0; x < w; x++) v.push(p[x], p[(h - 1) * w + x]);
  for (let y = 1; y < h - 1; y++) v.push(p[y * w], p[y * w + w - 1]);
  v.sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

/**
 * MNIST-like input from a grey image. Throws an Error saying why when there is no digit (a blank
 * or uniform image).
 */
export function prepareDigit(img: GreyImage): Prepared {
  const { width: w, height: h } = img;
  if (w < 1 || h < 1) throw new Error('the image is empty (0 pixels)');
  const bg = borderLevel(img);
  const inverted = bg > 127;
  // Ink: how far each pixel is from the background, towards the digit's side.
  const ink = new Float32Array(w * h);
  let max = 0;
  for (let i = 0; i < ink.length; i++) {
    const v = inverted ? bg - img.pixels[i] : img.pixels[i] - bg;
    ink[i] = v > 0 ? v : 0;
    if (ink[i] > max) max = ink[i];
  }
  if (max < 24) throw new Error('no digit found: the image is blank (no stroke stands out from the background)');
  // Stretch the ink to 0..1 and drop faint noise (paper texture, JPEG ringing) below 15 % of the darkest stroke.
  const noise = 0.15 * max;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      ink[i] = ink[i] <= noise ? 0 : (ink[i] - noise) / (max - noise);
      if (ink[i] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  // Longest side to 20 pixels, the other in proportion (at least one pixel).
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  const patch = areaResample(ink, w, { x: x0, y: y0, w: bw, h: bh }, tw, th);

  // Centre of mass of the patch, moved by whole pixels to pixel (14, 14) of the field, where
  // MNIST's centres of mass lie (their mean over the 60,000 training images is (14.01, 14.00)).
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = patch[y * tw + x];
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  const ox = Math.round(FIELD / 2 - mx / m);
  const oy = Math.round(FIELD / 2 - my / m);
  const out = new Float32Array(FIELD * FIELD);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const fx = x + ox;
      const fy = y + oy;
      if (fx >= 0 && fx < FIELD && fy >= 0 && fy < FIELD) out[fy * FIELD + fx] = Math.min(1, patch[y * tw + x]);
    }
  }
  return { pixels: out, inverted, box: { x: x0, y: y0, width: bw, height: bh } };
}

/**
 * The box of `src` (row stride `stride`) resampled to tw × th by area averaging: each output
 * pixel is the mean of the source area it covers, fractional pixels weighted by their overlap.
 * That is anti-aliasing for shrinking, and bilinear-like blocks for enlarging small sketches.
 */
export function areaResample(src: Float32Array, stride: number, box: { x: number; y: number; w: number; h: number }, tw: number, th: number): Float32Array {
  const out = new Float32Array(tw * th);
  const sx = box.w / tw;
  const sy = box.h / th;
  for (let ty = 0; ty < th; ty++) {
    const ya = ty * sy, yb = ya + sy;
    for (let tx = 0; tx < tw; tx++) {
      const xa = tx * sx, xb = xa + sx;
      let sum = 0;
      for (let y = Math.floor(ya); y < Math.ceil(yb); y++) {
        const wy = Math.min(yb, y + 1) - Math.max(ya, y);
        if (wy <= 0) continue;
        const row = (box.y + y) * stride + box.x;
        for (let x = Math.floor(xa); x < Math.ceil(xb); x++) {
          const wx = Math.min(xb, x + 1) - Math.max(xa, x);
          if (wx > 0) sum += src[row + x] * wx * wy;
        }
      }
      out[ty * tw + tx] = sum / (sx * sy);
    }
  }
  return out;
}

/**
 * Grey levels of RGBA pixels (a browser canvas's ImageData), as predict's decoder makes them:
 * transparency flattened onto white, then luma (Rec. 601 weights, as libvips' greyscale of sRGB).
 * A drawing pad's dark strokes on a transparent or white background come out as on paper.
 */
export function greyFromRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): GreyImage {
  if (rgba.length !== width * height * 4) throw new Error(`greyFromRgba: ${rgba.length} bytes is not ${width} × ${height} RGBA pixels`);
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const a = rgba[4 * i + 3] / 255;
    const luma = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
    pixels[i] = Math.round(luma * a + 255 * (1 - a));
  }
  return { width, height, pixels };
}
