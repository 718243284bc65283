/**
 * The layout of the control block shared by threads.ts (the caller) and thread-worker.ts: one
 * SharedArrayBuffer with, per worker, SLOT i32 words (request and done counters, an error flag,
 * the kernel index, the argument count), then per worker MAX_ARGS f64 arguments (pointers and
 * f32 scalars are exact in f64).
 */
export const SLOT = 16;
export const REQ = 0, DONE = 1, ERR = 2, FN = 3, NARGS = 4;
/** Set to 1 by a worker once it can take tasks: the caller sees it without its event loop turning. */
export const READY = 5;
export const MAX_ARGS = 24;
