// A synchronous PNG encoder for the browser (OffscreenCanvas can only encode asynchronously,
// and the runner writes each figure the moment the experiment makes it). Stored deflate blocks:
// no compression, so the files are larger than Node's compressed ones.
import { crc32 } from '../../dist/bindings/crc32.js';

/** PNG bytes of RGBA pixels (8 bits per channel, no filter, stored deflate). */
export function encodePng(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  const row = width * 4 + 1;
  const raw = height * row;
  const blocks = Math.max(1, Math.ceil(raw / 65535));
  const zlen = 2 + raw + blocks * 5 + 4;
  const out = new Uint8Array(8 + 25 + 12 + zlen + 12);
  const view = new DataView(out.buffer);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  let p = 8;
  const chunk = (type: string, length: number, fill: (at: number) => void) => {
    view.setUint32(p, length);
    for (let i = 0; i < 4; i++) out[p + 4 + i] = type.charCodeAt(i);
    fill(p + 8);
    view.setUint32(p + 8 + length, crc32(out, p + 4, p + 8 + length));
    p += 12 + length;
  };
  chunk('IHDR', 13, (at) => {
    view.setUint32(at, width);
    view.setUint32(at + 4, height);
    out.set([8, 6, 0, 0, 0], at + 8); // 8-bit RGBA, deflate, no filter, no interlace
  });
  chunk('IDAT', zlen, (at) => {
    out[at] = 0x78;
    out[at + 1] = 0x01;
    let q = at + 2;
    let a = 1, b = 0; // Adler-32 of the raw scanlines
    let done = 0;
    let block = 0;
    let blockLeft = 0;
    const put = (v: number) => {
      if (blockLeft === 0) {
        const len = Math.min(65535, raw - done);
        block++;
        out[q] = block === blocks ? 1 : 0;
        view.setUint16(q + 1, len, true);
        view.setUint16(q + 3, ~len & 0xffff, true);
        q += 5;
        blockLeft = len;
      }
      out[q++] = v;
      blockLeft--;
      done++;
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    };
    for (let y = 0; y < height; y++) {
      put(0);
      const base = y * width * 4;
      for (let i = 0; i < width * 4; i++) put(rgba[base + i]);
    }
    view.setUint32(q, ((b << 16) | a) >>> 0);
  });
  chunk('IEND', 0, () => {});
  return out;
}
