// Shared helpers for the kernel specs: deterministic random buffers and a tolerance check.

let seed: u32 = 0x9e3779b9;

export function reseed(s: u32): void {
  seed = s | 1;
}

/** xorshift32 in [-1, 1): the same data on every run. */
export function rnd(): f32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return <f32>(<f64>seed / 2147483648.0 - 1.0);
}

export function randomArray(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(max(n, 1));
  for (let i = 0; i < n; i++) a[i] = rnd();
  return a;
}

export function filled(n: i32, v: f32): StaticArray<f32> {
  const a = new StaticArray<f32>(max(n, 1));
  for (let i = 0; i < n; i++) a[i] = v;
  return a;
}

export function ptr<T>(a: StaticArray<T>): usize {
  return changetype<usize>(a);
}

/** Largest |got - want| / tol over n elements, tol = relTol * (1 + |want|); <= 1 passes. */
export function worstError(got: StaticArray<f32>, want: StaticArray<f64>, n: i32, relTol: f64): f64 {
  let worst: f64 = 0;
  for (let i = 0; i < n; i++) {
    const g = <f64>got[i];
    const e = Math.abs(g - want[i]) / (relTol * (1 + Math.abs(want[i])));
    if (!(e <= worst)) worst = e; // NaN propagates as a failure
  }
  return worst;
}
