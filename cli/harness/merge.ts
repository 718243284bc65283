// `wasmgrad merge <dirs...>`: joins the shard folders of one sweep and writes the figures,
// results.json and report.md exactly as the unsharded run would have (timings aside).
import { init, isInitialized } from '../../bindings/index.js';
import { createRun, type RunIO, type RunSummary } from '../output.js';
import { findExperiment, type Json } from '../registry.js';
import { InputError, prepareOutDir } from './outdir.js';
import { joinShards, readShard } from './sweep.js';

export async function mergeShards(dirs: string[], outDir: string | undefined, io: RunIO = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const docs = dirs.map(readShard);
  if (docs.length === 0) throw new InputError('merge: no shard folders given');
  const exp = findExperiment(docs[0].id);
  if (!exp) throw new InputError(`${docs[0].dir}: experiment '${docs[0].id}' is not known to this wasmgrad`);
  if (!exp.sweep) throw new InputError(`${docs[0].dir}: '${exp.id}' has no sweep to merge`);
  const { items, timings } = joinShards(exp, docs);
  const out = outDir ?? `results/${exp.id}`;
  prepareOutDir(out);
  if (!isInitialized()) await init();
  const s = docs[0].settings;
  const run = createRun(exp, {
    outDir: out,
    seed: docs[0].seed,
    quick: s.quick === true,
    ...(typeof s.epochs === 'number' ? { epochs: s.epochs } : {}),
    ...(typeof s.dataDir === 'string' ? { dataDir: s.dataDir } : {}),
    ...(typeof s.limit === 'number' ? { limit: s.limit } : {}),
    options: (s.options ?? {}) as Record<string, unknown>,
  }, io, { recorded: s, engineBuild: docs[0].engineBuild });
  for (const [k, v] of Object.entries(timings)) run.ctx.timing(k, v);
  run.results.sweep = items as unknown as Json;
  run.guard.phase = 'report';
  let error: string | undefined;
  try {
    await exp.sweep.report(run.ctx, items);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  run.finish(error);
  return { id: exp.id, outDir: out, wallSeconds: (performance.now() - t0) / 1000, ...(error !== undefined ? { error } : {}) };
}
