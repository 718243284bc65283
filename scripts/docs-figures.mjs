// Copies figures of a full run into docs/ for README, small: each PNG is scaled to at most
// --width pixels (the runs draw at 2× for crisp text) and stored as a palette PNG, which keeps
// lines and text sharp at a fraction of the bytes. Uses sharp (already a dependency).
//
//   node scripts/docs-figures.mjs <run folder> <name prefix> [figure ...] [--width 1400]
//   e.g. node scripts/docs-figures.mjs results/ps5-backprop ps5-backprop losses classification-maps
//        → docs/ps5-backprop-losses.png, docs/ps5-backprop-classification-maps.png
import { readdirSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');

const args = process.argv.slice(2);
const wi = args.indexOf('--width');
const width = wi >= 0 ? Number(args.splice(wi, 2)[1]) : 1400;
const [dir, prefix, ...names] = args;
if (!dir || !prefix || !(width > 0)) {
  console.error('usage: node scripts/docs-figures.mjs <run folder> <name prefix> [figure ...] [--width N]');
  process.exit(2);
}
const figures = names.length ? names.map((n) => `${n}.png`) : readdirSync(dir).filter((f) => f.endsWith('.png'));
for (const f of figures) {
  const out = join(docs, `${prefix}-${basename(f)}`);
  const tmp = `${out}.tmp`;
  await sharp(join(dir, f)).resize({ width, withoutEnlargement: true }).png({ palette: true, quality: 90, effort: 10, compressionLevel: 9 }).toFile(tmp);
  renameSync(tmp, out);
  console.log(`docs/${basename(out)}: ${(statSync(out).size / 1024).toFixed(0)} KB`);
}
