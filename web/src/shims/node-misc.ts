// node:os, node:url, node:child_process, node:module, node:worker_threads and commander for the
// browser bundle: the few names the CLI modules import at their top level. Nothing here runs in
// a browser run of an experiment; a call that would need Node says so.
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser`);
}

export const homedir = () => '/home/browser';
export const tmpdir = () => '/tmp';
export const cpus = () => Array.from({ length: globalThis.navigator?.hardwareConcurrency ?? 1 }, () => ({ model: 'browser' }));
export const arch = () => 'wasm';
export const platform = () => 'browser';
export const availableParallelism = () => globalThis.navigator?.hardwareConcurrency ?? 1;
export const fileURLToPath = (u: string | URL) => new URL(String(u)).pathname;
export const pathToFileURL = (p: string) => new URL(`file://${p}`);
export const fork = () => unavailable('child_process.fork');
export const spawnSync = () => unavailable('child_process.spawnSync');
export const createRequire = () => () => unavailable('require');
export const Worker = undefined;
export const parentPort = null;

export class InvalidArgumentError extends Error {}
export class Option {
  constructor() {
    unavailable('commander');
  }
}
export class Command {
  constructor() {
    unavailable('commander');
  }
}
export default { homedir, tmpdir, cpus, arch, platform };
