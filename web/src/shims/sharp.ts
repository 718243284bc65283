// sharp for the browser bundle: the page decodes images with the browser's own canvas instead.
export default function sharp(): never {
  throw new Error('sharp is Node-only; in the browser images are read from a canvas');
}
