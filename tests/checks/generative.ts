// Checks of the generative experiments' quick forms (seed 003, exercises 3.2 and 4.1-4.4), beyond the generated ones.
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

const finite = (xs: number[]) => xs.every(Number.isFinite);

checkExperiment('autoencoder', ({ json }) => {
  const rows = json.results.table3 as Array<{ encodingDims: number; epochs: number; trainLoss: number }>;
  assert.is(rows.length, (json.settings.configs as unknown[]).length, 'one Table 3 row per configuration');
  // Within one encoding dimension the training loss falls with the epochs.
  for (const ed of new Set(rows.map((r) => r.encodingDims))) {
    const l = rows.filter((r) => r.encodingDims === ed).map((r) => r.trainLoss);
    assert.ok(l.every((v, i) => i === 0 || v < l[i - 1]), `ED ${ed}: losses ${l}`);
  }
  const st = json.results.stacked as { layerwiseMse: number; fineMse: number; wholeMse: number };
  // Fine-tuning the stack end to end improves on layer-wise training alone (the seed's first observation).
  assert.ok(st.fineMse < st.layerwiseMse, `fine-tuned ${st.fineMse} vs layer-wise ${st.layerwiseMse}`);
  for (const f of ['reconstructions', 'stacked-reconstructions', 'stacked-vs-whole', 'loss-per-epoch']) assert.ok(json.figures[f], f);
});

checkExperiment('rbm', ({ json }) => {
  const pl = json.figures['pseudo-likelihood'].data.series[0].y as number[];
  assert.ok(finite(pl) && pl.every((v) => v < 0), `pseudo-likelihoods ${pl}`);
  assert.ok(pl[pl.length - 1] > pl[0], `pseudo-likelihood rises with training: ${pl}`);
  const inp = json.results.inpainting as Array<{ removed: string; mse: number }>;
  assert.ok(inp.every((r) => r.mse >= 0 && r.mse <= 1), 'in-painting errors are mean squared pixel errors');
  assert.ok(inp.some((r) => r.removed.startsWith('bottom')) && inp.some((r) => r.removed.startsWith('left')));
  for (const f of ['gibbs-samples', 'inpainting-top', 'inpainting-elsewhere', 'hidden-units-and-lr', 'dbm-filters-layer-1', 'dbm-filters-layer-2', 'rbm-vs-dbm-samples']) assert.ok(json.figures[f], f);
});

checkExperiment('gan', ({ json }) => {
  const l = json.results.losses as Record<string, Array<{ dLoss: number; gLoss: number; dReal: number; dFake: number }>>;
  for (const k of ['original', 'lowerDiscriminatorLr', 'dcgan']) {
    assert.ok(l[k].length > 0 && l[k].every((e) => Number.isFinite(e.dLoss) && e.dReal > 0 && e.dReal < 1), k);
  }
  assert.is(l.original.length, json.settings.epochs);
  for (const f of ['losses', 'samples-per-epoch', 'samples-per-epoch-lower-d-lr', 'mlp-vs-dcgan', 'latent-interpolation']) assert.ok(json.figures[f], f);
});

checkExperiment('vae', ({ json, report }) => {
  const h = json.results.vae as Array<{ total: number; reconstruction: number; KL: number }>;
  assert.ok(h.every((e) => Math.abs(e.total - e.reconstruction - e.KL) < 1e-3 * e.total), 'total = BCE + KL');
  assert.ok(h[h.length - 1].total < h[0].total, 'the VAE loss falls');
  assert.ok(keyNumber(json, /sharpness, GAN \/ VAE/).ours as number > 0);
  assert.ok(!json.figures['cifar-samples'] && report.includes('Not run: --data-dir does not hold the CIFAR-10'), 'no CIFAR part without the files');
  for (const f of ['loss-curves', 'latent-interpolation', 'vae-vs-gan', 'latent-map', 'latent-manifold']) assert.ok(json.figures[f], f);
});
