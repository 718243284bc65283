// Timing for the benchmark: each sample runs a body enough times to last a few milliseconds
// (so timer resolution and call overhead do not dominate tiny kernels), and the result is the
// median over samples, which ignores the odd GC pause or scheduler hiccup.

export interface Timed {
  /** median milliseconds per single call of the body */
  ms: number;
  /** calls per sample */
  inner: number;
}

/** How many calls make one sample last at least `targetMs` (after a warm-up that also JITs). */
export function calibrate(body: () => void, targetMs = 20, warmup = 3): number {
  // a body that takes many times the target is JITted after one call; more warm-up only adds minutes
  const t0 = performance.now();
  body();
  if (performance.now() - t0 > 5 * targetMs) return 1;
  for (let i = 1; i < warmup; i++) body();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) body();
    const dt = performance.now() - t0;
    if (dt >= targetMs || inner >= 1 << 20) return inner;
    inner = Math.max(inner * 2, Math.ceil((inner * targetMs) / Math.max(dt, 0.01)));
  }
}

export function sample(body: () => void, inner: number): number {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) body();
  return (performance.now() - t0) / inner;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times two bodies against each other, alternating sample by sample so both see the same machine
 * state (thermal, frequency, background load) over the run.
 */
export function timePair(a: () => void, b: () => void, repeats = 7, targetMs = 20): [Timed, Timed] {
  const ia = calibrate(a, targetMs), ib = calibrate(b, targetMs);
  const ta: number[] = [], tb: number[] = [];
  for (let r = 0; r < repeats; r++) {
    ta.push(sample(a, ia));
    tb.push(sample(b, ib));
  }
  return [{ ms: median(ta), inner: ia }, { ms: median(tb), inner: ib }];
}

export function timeOne(a: () => void, repeats = 7, targetMs = 20): Timed {
  const ia = calibrate(a, targetMs);
  const ta: number[] = [];
  for (let r = 0; r < repeats; r++) ta.push(sample(a, ia));
  return { ms: median(ta), inner: ia };
}
