// A `process` for the browser worker that runs the CLI's runner: the few fields the runner and
// harness read (env, pid, argv). No `versions.node`, so the engine still knows it is not in Node.
const g = globalThis as { process?: unknown };
g.process ??= { env: {}, pid: 1, argv: [], versions: {}, platform: 'browser' };
export {};
