/**
 * Which ops have which checks, registered when a test file defines its cases (not when they
 * run), so tests/coverage.test.ts can compare it with the public ops it derives from the exports.
 *   torch: forward and gradient against a PyTorch float64 fixture (tests/ops-torch.test.ts)
 *   fd:    gradient against finite differences (checkOp in tests/helpers/check.ts)
 *   stat:  a random op's distribution, or an in-place utility's effect, checked another way
 */
export type CheckKind = 'torch' | 'fd' | 'stat';

const checks = new Map<string, Set<CheckKind>>();

/** The op a case name is about: the text before the first ':' or space ("var: dim 1" -> "var"). */
export function opOfCase(name: string): string {
  return name.split(/[: ]/)[0];
}

export function registerCheck(op: string, kind: CheckKind): void {
  let s = checks.get(op);
  if (!s) checks.set(op, (s = new Set()));
  s.add(kind);
}

export function checksOf(op: string): ReadonlySet<CheckKind> {
  return checks.get(op) ?? new Set();
}
