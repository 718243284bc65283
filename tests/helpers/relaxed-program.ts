// Run as a child process by relaxed.test.ts: loads the build named by argv[2] ('default' or
// 'relaxed'), runs a seeded GEMM + conv2d forward/backward, and prints the results as JSON.
import { init, info, manualSeed, randn, matmul, nn } from '../../bindings/index.js';

const relaxed = process.argv[2] === 'relaxed';
try {
  await init({ relaxedSimd: relaxed });
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message }));
  process.exit(0);
}
manualSeed(3);
const a = randn([64, 300]), b = randn([300, 40]);
const x = randn([4, 3, 12, 12], { requiresGrad: true }), w = randn([6, 3, 3, 3], { requiresGrad: true });
const y = nn.functional.conv2d(x, w, null, { padding: 1 });
y.square().sum().backward();
console.log(JSON.stringify({
  info: info(),
  values: [...matmul(a, b).data(), ...y.data(), ...x.grad!.data(), ...w.grad!.data()],
}));
