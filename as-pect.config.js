// as-pect: AssemblyScript unit tests of the kernels (`npx asp`). Compiler options, SIMD included,
// live in as-pect.asconfig.json (the CLI's default --as-config).
//
// This object is also the reporter (`reporter` points back at this file): it keeps as-pect's
// usual per-file summary and, as the process ends, adds one plain line
// `[Tests]: N pass, M fail` over all files, the form tests/run.mjs parses (the CLI's own
// summary is `[Tests]: N / T`, coloured).
import { SummaryReporter } from "@as-pect/core";

const summary = new SummaryReporter();
let passed = 0;
let total = 0;
let compileFailed = false;

process.on("exit", (code) => {
  // a spec that fails to compile exits before any onFinish: count it as a failure
  if (code !== 0 && passed === total) compileFailed = true;
  process.stdout.write(`\n[Tests]: ${passed} pass, ${total - passed + (compileFailed ? 1 : 0)} fail\n`);
});

export default {
  entries: ["assembly/__tests__/**/*.spec.ts"],
  include: ["assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  reporter: "./as-pect.config.js",
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,

  // reporter interface
  get stdout() { return summary.stdout; },
  set stdout(s) { summary.stdout = s; },
  get stderr() { return summary.stderr; },
  set stderr(s) { summary.stderr = s; },
  onEnter(ctx, node) { summary.onEnter(ctx, node); },
  onExit(ctx, node) { summary.onExit(ctx, node); },
  onFinish(ctx) {
    passed += ctx.testPassCount;
    total += ctx.testCount;
    summary.onFinish(ctx);
  },
};
