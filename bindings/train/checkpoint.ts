/**
 * Checkpoints: model, optimiser (and scheduler) state, epoch, the RNG state and user extras in
 * ONE file, so a resumed run continues bit for bit.
 *
 * Layout: the 8 magic bytes "WGCKPT1\n", a uint32 (little-endian) header length, the UTF-8 JSON
 * header, then float32 blobs (little-endian, 4-byte aligned). The header names every blob by
 * offset and length and records the payload's byte count and CRC-32, so a truncated or damaged
 * file is refused with its name instead of loading garbage. The file is written to `<path>.tmp`
 * and renamed, so a crash mid-write never leaves a half checkpoint under the real name.
 * Node's fs is imported only when saving or loading, keeping the module browser-safe.
 */
import { getRngState, setRngState } from '../ops/random.js';
import type { Module } from '../nn/module.js';
import { checkOptions, keysOf } from '../args.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/lr_scheduler.js';
import { crc32 } from '../crc32.js';

const MAGIC = 'WGCKPT1\n';

/**
 * What a checkpoint saves, or restores into: model, optimiser, scheduler, epoch and any JSON extra.
 *
 * PyTorch: the dict passed to `torch.save`.
 * @example await saveCheckpoint('ckpt.bin', { model, optimizer: opt, epoch })
 */
export interface CheckpointContents {
  /** Its parameters and buffers (stateDict). */
  model?: Module;
  /** Its state (stateDict). */
  optimizer?: Optimizer<{ lr: number }>;
  /** Its state (stateDict). */
  scheduler?: LRScheduler<any>;
  /** The epoch reached. */
  epoch?: number;
  /** Anything JSON can hold. */
  extra?: unknown;
}
const CONTENTS_KEYS = keysOf<CheckpointContents>()('model', 'optimizer', 'scheduler', 'epoch', 'extra');

interface Header {
  version: 1;
  epoch: number | null;
  rng: number[];
  model: unknown;
  optimizer: unknown;
  scheduler: unknown;
  extra: unknown;
  blobs: [number, number][];
  payloadBytes: number;
  crc32: number;
}


/** JSON-safe copy of a state value: Float32Arrays become {$blob: i} references into `blobs`. */
function encode(v: unknown, blobs: Float32Array[]): unknown {
  if (v instanceof Float32Array) return { $blob: blobs.push(v) - 1 };
  if (Array.isArray(v)) return v.map((x) => encode(x, blobs));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encode(x, blobs);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
  return v;
}

function decode(v: unknown, blobs: Float32Array[]): any {
  if (Array.isArray(v)) return v.map((x) => decode(x, blobs));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$blob === 'number') return blobs[o.$blob];
    if (typeof o.$number === 'string') return Number(o.$number);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x, blobs);
    return out;
  }
  return v;
}

/** The checkpoint as bytes (for browsers: store them wherever you like). */
export function serializeCheckpoint(c: CheckpointContents): Uint8Array {
  checkOptions('saveCheckpoint', c, CONTENTS_KEYS, 'contents');
  const blobs: Float32Array[] = [];
  const parts = {
    model: encode(c.model?.stateDict() ?? null, blobs),
    optimizer: encode(c.optimizer?.stateDict() ?? null, blobs),
    scheduler: encode(c.scheduler?.stateDict() ?? null, blobs),
    extra: encode(c.extra ?? null, blobs),
  };
  const payloadBytes = blobs.reduce((n, b) => n + b.length * 4, 0);
  const payload = new Uint8Array(payloadBytes);
  const view = new DataView(payload.buffer);
  const index: [number, number][] = [];
  let off = 0;
  for (const b of blobs) {
    index.push([off, b.length]);
    for (let i = 0; i < b.length; i++) view.setFloat32(off + 4 * i, b[i], true);
    off += b.length * 4;
  }
  const header: Header = {
    version: 1, epoch: c.epoch ?? null, rng: getRngState(), ...parts, blobs: index, payloadBytes, crc32: crc32(payload),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  const out = new Uint8Array(MAGIC.length + 4 + json.length + pad + payloadBytes);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length + pad, true);
  out.set(json, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + json.length, MAGIC.length + 4 + json.length + pad);
  out.set(payload, MAGIC.length + 4 + json.length + pad);
  return out;
}

/**
 * What `loadCheckpoint` returns besides restoring in place: the saved epoch and extra.
 * @example const { epoch } = await loadCheckpoint('ckpt.bin', { model, optimizer: opt });
 */
export interface LoadedCheckpoint {
  /** The saved epoch, or null. */
  epoch: number | null;
  /** The saved extra, or undefined. */
  extra: unknown;
}

/** Restores from bytes into the given objects (and the RNG); `name` labels errors. */
export function deserializeCheckpoint(bytes: Uint8Array, into: CheckpointContents, name = '<checkpoint bytes>'): LoadedCheckpoint {
  checkOptions('loadCheckpoint', into, CONTENTS_KEYS, 'into');
  const bad = (why: string) => new Error(`loadCheckpoint: ${name} is not a valid wasmgrad checkpoint: ${why}`);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw bad('wrong magic bytes (not a checkpoint, or truncated to nothing)');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (start + headerLen > bytes.length) throw bad(`truncated: the header needs ${headerLen} bytes, the file has ${bytes.length - start}`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + headerLen)));
  } catch (err) {
    throw bad(`unreadable header (${(err as Error).message})`);
  }
  const payload = bytes.subarray(start + headerLen);
  if (payload.length !== header.payloadBytes) {
    throw bad(`truncated or padded: ${payload.length} data bytes, expected ${header.payloadBytes}`);
  }
  if (crc32(payload) !== header.crc32) throw bad('data checksum mismatch (the file is corrupt)');
  const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const blobs = header.blobs.map(([off, len]) => {
    const a = new Float32Array(len);
    for (let i = 0; i < len; i++) a[i] = pv.getFloat32(off + 4 * i, true);
    return a;
  });
  const need = (what: string, have: unknown) => {
    if (have === null) throw new Error(`loadCheckpoint: ${name} has no ${what} state`);
  };
  if (into.model) { need('model', header.model); into.model.loadStateDict(decode(header.model, blobs)); }
  if (into.optimizer) { need('optimizer', header.optimizer); into.optimizer.loadStateDict(decode(header.optimizer, blobs)); }
  if (into.scheduler) { need('scheduler', header.scheduler); into.scheduler.loadStateDict(decode(header.scheduler, blobs)); }
  setRngState(header.rng);
  return { epoch: header.epoch, extra: decode(header.extra, blobs) };
}

/** Writes a checkpoint file atomically (Node). */
export async function saveCheckpoint(path: string, contents: CheckpointContents): Promise<void> {
  const { writeFile, rename } = await import('node:fs/promises');
  const bytes = serializeCheckpoint(contents);
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
}

/** Restores model, optimizer, scheduler and the RNG from a checkpoint file (Node). */
export async function loadCheckpoint(path: string, into: CheckpointContents = {}): Promise<LoadedCheckpoint> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`loadCheckpoint: cannot read ${path}: ${(err as Error).message}`);
  }
  return deserializeCheckpoint(bytes, into, path);
}
