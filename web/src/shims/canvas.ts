// @napi-rs/canvas for the browser bundle: never called, because the page installs its own
// canvas factory (cli/plot/png.ts setCanvasFactory) that draws on an OffscreenCanvas.
export function createCanvas(): never {
  throw new Error('@napi-rs/canvas is Node-only; in the browser the page sets an OffscreenCanvas factory');
}
export default { createCanvas };
