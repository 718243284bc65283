// Byte sources shared by the data readers. The readers must run unchanged in Node and in
// browsers, so Node built-ins are only reached through dynamic imports behind isNode():
// a static `import 'node:fs'` would break every browser bundle that touches this module.

/** Where a reader can take its bytes from: a path or URL (fetched in the browser), or the bytes themselves. */
export type ByteSource = string | URL | Uint8Array | ArrayBuffer;

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** A human-readable name for a source, for error messages. */
export function sourceName(source: ByteSource, fallback = '<bytes>'): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  return fallback;
}

function isRemote(s: string): boolean {
  return /^(https?|blob|data):/i.test(s);
}

/** Gzip streams start with 1f 8b; we sniff instead of trusting the file name, since renamed files are common. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function toUint8Array(data: Uint8Array | ArrayBuffer): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** Reads a whole source into memory. Missing files and HTTP failures are reported with the path. */
export async function readBytes(source: ByteSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return toUint8Array(source);
  const name = sourceName(source);
  if (typeof source === 'string' && /^file:/i.test(source)) source = new URL(source);
  const fileUrl = source instanceof URL && source.protocol === 'file:';
  if (isNode() && (fileUrl || (typeof source === 'string' && !isRemote(source)))) {
    const fs = await import('node:fs');
    try {
      const buf = await fs.promises.readFile(source);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') throw new Error(`${name}: file not found`);
      if (code === 'EISDIR') throw new Error(`${name}: is a directory, expected a file`);
      throw new Error(`${name}: cannot read file (${(e as Error).message})`);
    }
  }
  let res: Response;
  try {
    res = await fetch(source);
  } catch (e) {
    throw new Error(`${name}: fetch failed (${(e as Error).message})`);
  }
  if (!res.ok) throw new Error(`${name}: fetch failed with HTTP ${res.status} ${res.statusText}`.trimEnd());
  return new Uint8Array(await res.arrayBuffer());
}

/** Decompresses a gzip stream. Node uses zlib (synchronous, faster); browsers use DecompressionStream. */
export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    if (isNode()) {
      const zlib = await import('node:zlib');
      const out = zlib.gunzipSync(bytes);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${name}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/** Reads a source and transparently decompresses it when it is gzip. */
export async function readMaybeGzip(source: ByteSource, name = sourceName(source)): Promise<Uint8Array> {
  const bytes = await readBytes(source);
  return isGzip(bytes) ? gunzip(bytes, name) : bytes;
}

/** Joins a folder (path or URL prefix) and a file name without node:path, so it also works for URLs. */
export function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + file : `${dir}/${file}`;
}

/** Whether a source exists: stat in Node, a HEAD request elsewhere. Used to try alternative file names. */
export async function exists(path: string): Promise<boolean> {
  if (isNode() && !isRemote(path)) {
    const fs = await import('node:fs');
    return fs.promises.stat(path).then((s) => s.isFile(), () => false);
  }
  try {
    const res = await fetch(path, { method: 'HEAD' });
    return res.ok;
  } catch {
    return false;
  }
}

/** Whether a local folder exists (always true for URL prefixes, which cannot be listed). */
export async function dirExists(path: string): Promise<boolean> {
  if (!isNode() || isRemote(path)) return true;
  const fs = await import('node:fs');
  return fs.promises.stat(path).then((s) => s.isDirectory(), () => false);
}
