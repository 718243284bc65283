// double-descent spread over processes as schedulers run it: shards as separate processes with
// the index in JOB_COMPLETION_INDEX (the Kubernetes manifest's command) or SLURM_ARRAY_TASK_ID
// (the sbatch script itself), merged, must equal the unsharded quick run byte for byte, as must
// --jobs 2 (child processes merged by the parent). Merging an incomplete set names what is missing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TIMING_HEADING } from '../cli/output.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wasmgrad = `${process.execPath} ${join(root, 'bin', 'wasmgrad.js')}`;
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-dd-'));

function sh(command: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: root, env: { ...process.env, JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function folder(d: string) {
  const json = JSON.parse(readFileSync(join(d, 'results.json'), 'utf8'));
  delete json.timing;
  const md = readFileSync(join(d, 'report.md'), 'utf8');
  const pngs = readdirSync(d).filter((f) => f.endsWith('.png')).sort();
  return { json, md: md.slice(0, md.indexOf(TIMING_HEADING)), pngs, bytes: pngs.map((f) => readFileSync(join(d, f))) };
}

function assertSame(a: ReturnType<typeof folder>, b: ReturnType<typeof folder>, what: string) {
  assert.equal(b.json, a.json, `${what}: results.json`);
  assert.is(b.md, a.md, `${what}: report.md`);
  assert.equal(b.pngs, a.pngs, `${what}: figures`);
  a.bytes.forEach((bytes, i) => assert.ok(bytes.equals(b.bytes[i]), `${what}: ${a.pngs[i]} bytes`));
}

test.after(() => rmSync(dir, { recursive: true }));

test('shards run by the Kubernetes command and the sbatch script, merged, equal the unsharded run; so does --jobs 2', async () => {
  const manifest = readFileSync(join(root, 'docs', 'double-descent', 'indexed-job.yaml'), 'utf8');
  const k8s = /- exec (wasmgrad run double-descent --shards (\d+) .*--out )\/results\/shards\/shard-\$JOB_COMPLETION_INDEX/.exec(manifest);
  assert.ok(k8s, 'the manifest runs wasmgrad with --shards and JOB_COMPLETION_INDEX');
  assert.match(manifest, new RegExp(`completions: ${k8s![2]}\\n  parallelism: ${k8s![2]}`));
  assert.match(manifest, /completionMode: Indexed/);
  // The manifest's command with 2 shards, this checkout's wasmgrad, --quick and a local folder.
  const k8sCommand = (index: number) => `${k8s![1].replace(/^wasmgrad/, wasmgrad).replace(`--shards ${k8s![2]}`, '--shards 2')}${dir}/k8s/shard-$JOB_COMPLETION_INDEX --quick`;
  const sbatch = join(root, 'docs', 'double-descent', 'double-descent.sbatch');
  const slurmEnv = (i: number) => ({ SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: '2', WASMGRAD: wasmgrad, WASMGRAD_RESULTS: join(dir, 'slurm') });

  const runs = await Promise.all([
    sh(`${wasmgrad} run double-descent --quick --jobs 1 --out ${dir}/whole`),
    sh(k8sCommand(0), { JOB_COMPLETION_INDEX: '0' }),
    sh(k8sCommand(1), { JOB_COMPLETION_INDEX: '1' }),
  ]);
  for (const r of runs) assert.is(r.code, 0, r.err);
  const slurm = await Promise.all([sh(`bash ${sbatch} --quick`, slurmEnv(0)), sh(`bash ${sbatch} --quick`, slurmEnv(1))]);
  for (const r of slurm) assert.is(r.code, 0, r.err);

  const shard0 = JSON.parse(readFileSync(join(dir, 'k8s', 'shard-0', 'results.json'), 'utf8'));
  assert.equal(shard0.shard, { index: 0, count: 2 });
  const whole = folder(join(dir, 'whole'));
  assert.ok(whole.pngs.length >= 2);

  for (const src of ['k8s', 'slurm']) {
    const m = await sh(`${wasmgrad} merge ${dir}/${src}/shard-1 ${dir}/${src}/shard-0 --out ${dir}/${src}-merged`);
    assert.is(m.code, 0, m.err);
    assertSame(whole, folder(join(dir, `${src}-merged`)), `${src} shards merged`);
  }

  const missing = await sh(`${wasmgrad} merge ${dir}/k8s/shard-0 --out ${dir}/incomplete`);
  assert.is(missing.code, 1);
  assert.match(missing.err, /^error: missing items? w\/\S+.* \(shard 1 of 2 not given\)\n$/);

  const jobs = await sh(`${wasmgrad} run double-descent --quick --jobs 2 --out ${dir}/jobs`);
  assert.is(jobs.code, 0, jobs.err);
  assertSame(whole, folder(join(dir, 'jobs')), '--jobs 2');
  assert.equal(readdirSync(join(dir, 'jobs')).filter((f) => f.startsWith('.')), [], 'the child shards are cleaned up');
});

test('--shards without a scheduler index, or with one out of range, is a usage error', async () => {
  const none = await sh(`${wasmgrad} run double-descent --quick --shards 2 --out ${dir}/x`);
  assert.is(none.code, 2);
  assert.match(none.err, /--shards 2 needs the shard index from JOB_COMPLETION_INDEX .* or SLURM_ARRAY_TASK_ID/);
  const high = await sh(`${wasmgrad} run double-descent --quick --shards 2 --out ${dir}/x`, { SLURM_ARRAY_TASK_ID: '2' });
  assert.is(high.code, 2);
  assert.match(high.err, /SLURM_ARRAY_TASK_ID=2 is not below --shards 2/);
  const bad = await sh(`${wasmgrad} run double-descent --quick --shard 3/2 --out ${dir}/x`);
  assert.is(bad.code, 2);
  assert.match(bad.err, /--shard.*not in 0\.\.1/);
});

test.run();
