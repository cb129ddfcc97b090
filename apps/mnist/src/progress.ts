/** A one-line progress bar: `[#####.....] 12/40 loss 0.312 1,234 samples/s`. */
export function progressLine(
  done: number,
  total: number,
  loss: number,
  samplesPerSecond: number,
  width = 30,
): string {
  const filled = Math.round((width * done) / total);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const rate = Math.round(samplesPerSecond).toLocaleString('en-US');
  return `[${bar}] ${done}/${total} loss ${loss.toFixed(3)} ${rate} samples/s`;
}
