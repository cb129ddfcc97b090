/**
 * The page's MNIST subset as one compact binary file, so the browser fetches ~2 MB from its own
 * origin instead of the `mnist` package's 20 MB of JSON. Layout (little-endian):
 *
 *   bytes 0–3   "MNS1"
 *   bytes 4–43  ten u32 counts, the digits kept per class
 *   then        the pixels, class 0's digits first, 784 bytes per digit, round(255 · value)
 *
 * Quantizing to bytes changes a pixel by at most 1/510 (the package's values have three decimals).
 */
/** The file's name next to the page. */
export const DIGITS_FILE = 'mnist-digits.bin';

const MAGIC = 'MNS1';
const PIXELS = 28 * 28;
const HEADER = 4 + 10 * 4;

/** Packs the first `perClass` digits of each class (per-class arrays of 784-value images in [0, 1]). */
export function encodeDigits(classes: readonly ArrayLike<number>[], perClass: number): Uint8Array {
  if (classes.length !== 10) throw new Error(`encodeDigits: expected 10 class arrays, got ${classes.length}`);
  const counts = classes.map((a) => Math.min(perClass, Math.floor(a.length / PIXELS)));
  const total = counts.reduce((s, n) => s + n, 0);
  const out = new Uint8Array(HEADER + total * PIXELS);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = MAGIC.charCodeAt(i);
  counts.forEach((n, c) => {
    view.setUint32(4 + 4 * c, n, true);
  });
  let at = HEADER;
  classes.forEach((a, c) => {
    for (let i = 0; i < counts[c] * PIXELS; i++) out[at++] = Math.round(255 * Math.min(1, Math.max(0, a[i])));
  });
  return out;
}

/** Unpacks `encodeDigits`' bytes into per-class Float32Arrays in [0, 1] (what `mnistFromClassArrays` takes). */
export function decodeDigits(bytes: Uint8Array): Float32Array[] {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== MAGIC || bytes.length < HEADER) {
    throw new Error(`decodeDigits: not an MNIST subset file (starts with '${magic}', ${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = Array.from({ length: 10 }, (_, c) => view.getUint32(4 + 4 * c, true));
  const expected = HEADER + counts.reduce((s, n) => s + n, 0) * PIXELS;
  if (bytes.length !== expected) {
    throw new Error(
      `decodeDigits: counts [${counts.join(', ')}] need ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  let at = HEADER;
  return counts.map((n) => {
    const pixels = new Float32Array(n * PIXELS);
    for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[at++] / 255;
    return pixels;
  });
}
