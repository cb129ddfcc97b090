/**
 * A drawing as MNIST would have it: MNIST's digits were scaled so the longer side of their ink's
 * bounding box is 20 pixels, then placed in a 28×28 frame with their centre of mass at the centre.
 * `ink` is a width×height array of intensities in [0, 1]; returns 784 values in [0, 1], or
 * undefined when nothing is drawn.
 */
export function toMnistPixels(
  ink: ArrayLike<number>,
  width: number,
  height: number,
): Float32Array | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return undefined;
  const boxW = x1 - x0 + 1;
  const boxH = y1 - y0 + 1;
  const scale = 20 / Math.max(boxW, boxH);
  // Area-average the box into a 28×28 frame, centred by its box first: each source pixel adds
  // its intensity times its area (scale²) to the target pixel it lands in.
  const frame = new Float32Array(28 * 28);
  const offX = (28 - boxW * scale) / 2;
  const offY = (28 - boxH * scale) / 2;
  for (let y = y0; y <= y1; y++) {
    const ty = Math.min(27, Math.floor((y - y0 + 0.5) * scale + offY));
    for (let x = x0; x <= x1; x++) {
      const tx = Math.min(27, Math.floor((x - x0 + 0.5) * scale + offX));
      frame[ty * 28 + tx] += ink[y * width + x] * scale * scale;
    }
  }
  // Move the centre of mass to (14, 14) by a whole-pixel shift.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < frame.length; i++) {
    const m = Math.min(1, frame[i]);
    frame[i] = m;
    mass += m;
    mx += m * ((i % 28) + 0.5);
    my += m * (Math.floor(i / 28) + 0.5);
  }
  const dx = Math.round(14 - mx / mass);
  const dy = Math.round(14 - my / mass);
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = frame[sy * 28 + sx];
    }
  }
  return out;
}
