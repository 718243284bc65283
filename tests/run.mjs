// The test command behind `npm test` (after the build): AssemblyScript unit tests (as-pect),
// then the TypeScript tests (uvu, over dist/tests), then one plain closing line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;

function runSuite(label, cmd, args, parse) {
  console.log(`\n=== ${label} ===`);
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  process.stdout.write(res.stdout ?? '');
  process.stderr.write(res.stderr ?? '');
  const counts = parse((res.stdout ?? '') + (res.stderr ?? ''));
  if (res.status !== 0 && counts.failed === 0) counts.failed = 1; // a crash counts as a failure
  passed += counts.passed;
  failed += counts.failed;
}

if (existsSync(join(root, 'as-pect.config.js'))) {
  runSuite('as-pect (AssemblyScript kernels)', bin('asp'), ['--no-logo'], (out) => {
    const m = /\[Tests\]:\s*(\d+)\s*pass,\s*(\d+)\s*fail/.exec(out);
    return m ? { passed: +m[1], failed: +m[2] } : { passed: 0, failed: 0 };
  });
}

runSuite('uvu (TypeScript)', bin('uvu'), ['dist/tests', '\\.test\\.js$'], (out) => {
  const total = /Total:\s*(\d+)/.exec(out);
  const ok = /Passed:\s*(\d+)/.exec(out);
  return total && ok ? { passed: +ok[1], failed: +total[1] - +ok[1] } : { passed: 0, failed: 0 };
});

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
