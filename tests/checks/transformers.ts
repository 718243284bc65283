// Checks of the transformer experiment's quick form (seed 003, exercise 3.4).
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('attention-vit', ({ json }) => {
  assert.is(keyNumber(json, /all attention shapes as expected/).ours, true);
  assert.ok((keyNumber(json, /step-by-step − fused/).ours as number) < 1e-4, 'the written-out attention equals the fused op');
  const torch = (json.results.shapes as { pytorch: Array<{ name: string; shape: number[] }> }).pytorch;
  assert.equal(torch.find((r) => r.name === 'V')!.shape, [32, 20, 32]);
  assert.equal(torch.find((r) => r.name.startsWith('A ='))!.shape, [32, 20, 20]);
  const t5 = json.results.table5 as Array<{ name: string; testAccuracy: number; parameters: number }>;
  assert.is(t5.length, (json.settings.configs as unknown[]).length);
  assert.ok(t5.every((r) => r.testAccuracy >= 0 && r.testAccuracy <= 1 && r.parameters > 0));
  assert.ok(json.figures['attention-maps'] && json.figures['accuracy-vs-seed']);
});
