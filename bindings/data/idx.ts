// IDX reader (the format of the original MNIST files, http://yann.lecun.com/exdb/mnist/):
//   bytes 0-1  zero, byte 2 type code, byte 3 number of dimensions,
//   then one big-endian uint32 per dimension, then the data, big-endian, row-major.

import { type ByteSource, gunzip, isGzip, readBytes, sourceName, toUint8Array } from './bytes.js';

/**
 * The element type an IDX file declares (the format of the MNIST files).
 * @example parseIdx(bytes).dtype   // 'uint8'
 */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
/**
 * The typed array holding an IDX file's elements, by dtype.
 * @example const pixels = parseIdx(bytes).data as Uint8Array;
 */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * A parsed IDX file: dtype, shape and the elements, row-major.
 * @example const { shape } = parseIdx(bytes);   // [60000, 28, 28]
 */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

const hex = (b: number) => b.toString(16).padStart(2, '0');

function describeStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), hex).join(' ');
}

/**
 * Parses uncompressed IDX bytes. Synchronous, so callers that already hold raw bytes need no await;
 * use parseIdx for input that may be gzip.
 */
export function parseIdxRaw(input: Uint8Array | ArrayBuffer, name = '<bytes>'): IdxArray {
  const bytes = toUint8Array(input);
  if (bytes.length === 0) throw new Error(`${name}: empty file (0 bytes), expected IDX data`);
  if (isGzip(bytes)) throw new Error(`${name}: data is gzip-compressed; use parseIdx (async) or decompress first`);
  if (bytes.length < 4) {
    throw new Error(`${name}: truncated IDX header: expected at least 4 bytes, found ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${name}: not an IDX file: wrong magic number: found ${describeStart(bytes)}, ` +
        `expected 00 00 <type> <ndim> (e.g. 00 00 08 03 for MNIST images, 00 00 08 01 for labels)`,
    );
  }
  const code = bytes[2];
  const type = TYPES[code];
  if (!type) {
    throw new Error(
      `${name}: unsupported IDX type code 0x${hex(code)} (magic ${describeStart(bytes)}); ` +
        `supported: 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64`,
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new Error(`${name}: IDX header declares 0 dimensions (magic ${describeStart(bytes)})`);
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new Error(
      `${name}: truncated IDX header: ${ndim} dimensions need ${headerSize} header bytes, found ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expected = headerSize + count * type.size;
  if (bytes.length < expected) {
    throw new Error(
      `${name}: truncated IDX data: shape [${shape.join(', ')}] of ${type.dtype} needs ${expected} bytes ` +
        `(header ${headerSize} + data ${count * type.size}), found ${bytes.length}`,
    );
  }
  // Trailing bytes usually mean a wrong or concatenated file, so refuse rather than silently ignore them.
  if (bytes.length > expected) {
    throw new Error(
      `${name}: IDX file too long: shape [${shape.join(', ')}] of ${type.dtype} needs ${expected} bytes, ` +
        `found ${bytes.length} (${bytes.length - expected} trailing bytes)`,
    );
  }
  return { dtype: type.dtype, shape, data: decode(view, headerSize, count, type.dtype, bytes) };
}

function decode(view: DataView, off: number, n: number, dtype: IdxDtype, bytes: Uint8Array): IdxData {
  // Copies so the result does not pin the (possibly much larger) file or gunzip buffer.
  // DataView getters default to big-endian, the IDX byte order.
  const fill = <T extends Int16Array | Int32Array | Float32Array | Float64Array>(
    out: T,
    get: (byteOffset: number) => number,
  ): T => {
    const size = out.BYTES_PER_ELEMENT;
    for (let i = 0; i < n; i++) out[i] = get(off + size * i);
    return out;
  };
  switch (dtype) {
    case 'uint8':
      return bytes.slice(off, off + n);
    case 'int8':
      return new Int8Array(bytes.slice(off, off + n).buffer);
    case 'int16':
      return fill(new Int16Array(n), (o) => view.getInt16(o));
    case 'int32':
      return fill(new Int32Array(n), (o) => view.getInt32(o));
    case 'float32':
      return fill(new Float32Array(n), (o) => view.getFloat32(o));
    case 'float64':
      return fill(new Float64Array(n), (o) => view.getFloat64(o));
  }
}

/** Parses IDX bytes, raw or gzip (detected by the 1f 8b magic, whatever the name says). */
export async function parseIdx(input: Uint8Array | ArrayBuffer, name = '<bytes>'): Promise<IdxArray> {
  const bytes = toUint8Array(input);
  return parseIdxRaw(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}

/** Reads an IDX file from a path (Node), a URL (fetch), or bytes; raw or gzip. */
export async function readIdxFile(source: ByteSource, name = sourceName(source)): Promise<IdxArray> {
  return parseIdx(await readBytes(source), name);
}
