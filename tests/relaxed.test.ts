// The opt-in relaxed-SIMD build (fused multiply-add): where the runtime supports it, it loads,
// says so in info(), and agrees with the default build to float32 rounding; where it does not,
// init({ relaxedSimd: true }) fails with an error that says why. Each build runs in a child
// process (a process loads one build).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('./helpers/relaxed-program.js', import.meta.url));
const run = (build: string, flags: string[] = []) =>
  JSON.parse(execFileSync(process.execPath, [...flags, program, build], { encoding: 'utf8' }));

test('relaxed SIMD: opt-in build agrees with the default one, or a clear error where unsupported', () => {
  const base = run('default');
  assert.is(base.info.relaxedSimd, false, 'the default build is not the relaxed one');
  const plain = run('relaxed');
  if (plain.error) assert.match(plain.error, /relaxedSimd was asked for, but .*relaxed SIMD/);
  // Node 20 has relaxed SIMD behind a V8 flag; newer runtimes have it on by default
  const flagged = plain.error ? run('relaxed', ['--experimental-wasm-relaxed-simd']) : plain;
  assert.not.ok(flagged.error, `with the flag the relaxed build loads (${flagged.error})`);
  assert.is(flagged.info.relaxedSimd, true);
  assert.match(flagged.info.build, /relaxed/);
  assert.is(flagged.values.length, base.values.length);
  let worst = 0;
  for (let i = 0; i < base.values.length; i++) {
    worst = Math.max(worst, Math.abs(flagged.values[i] - base.values[i]) / Math.max(1, Math.abs(base.values[i])));
  }
  assert.ok(worst < 1e-4, `relaxed and default builds agree to rounding (worst relative difference ${worst})`);
});

test.run();
