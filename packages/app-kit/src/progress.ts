export interface ProgressOptions {
  /** Where to write (default process.stdout). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Characters in the bar (default 28). */
  width?: number;
  /** Write nothing (tests, logs). */
  quiet?: boolean;
}

/**
 * One progress reporter for every app: a redrawn one-line bar with the elapsed time and an estimate of the
 * time left on a terminal, or one plain line per tenth of the work when output is not a terminal (CI logs).
 */
export class ProgressBar {
  private lastDecile = -1;
  private readonly started = performance.now();
  private readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly width: number;
  private readonly quiet: boolean;

  constructor(
    private readonly total: number,
    private readonly label = '',
    options: ProgressOptions = {},
  ) {
    if (!(Number.isInteger(total) && total > 0))
      throw new Error(`ProgressBar: total must be a positive integer, got ${total}`);
    this.out = options.out ?? process.stdout;
    this.width = options.width ?? 28;
    this.quiet = options.quiet ?? false;
  }

  /** Reports `done` of `total` units finished, with a short status such as `loss 0.412`. */
  update(done: number, info = ''): void {
    if (this.quiet) return;
    const fraction = Math.min(1, Math.max(0, done / this.total));
    const seconds = (performance.now() - this.started) / 1000;
    const left = fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.NaN;
    const time = `${formatSeconds(seconds)}${fraction < 1 && Number.isFinite(left) ? ` <${formatSeconds(left)}` : ''}`;
    const head = this.label ? `${this.label} ` : '';
    if (this.out.isTTY) {
      const filled = Math.round(fraction * this.width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}`;
      this.out.write(`\r${head}${bar} ${done}/${this.total} ${time} ${info}\x1b[K`);
      if (done >= this.total) this.out.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(
        `${head}${String(Math.round(fraction * 100)).padStart(3)}% ${done}/${this.total} ${time} ${info}\n`,
      );
    }
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}

/**
 * One bar per label, each made on its label's first report: for apps that train several models or stages in
 * turn and report `(label, done, total, info)`.
 */
export function progressByLabel(
  options: ProgressOptions = {},
): (label: string, done: number, total: number, info?: string) => void {
  const bars = new Map<string, ProgressBar>();
  return (label, done, total, info = '') => {
    let bar = bars.get(label);
    if (!bar) {
      bar = new ProgressBar(total, label, options);
      bars.set(label, bar);
    }
    bar.update(done, info);
  };
}

/** The status a training bar shows: `loss 0.412 5,926 tokens/s` (the rate rounded, with thousands separators). */
export function trainingStatus(loss: number, rate: number, unit: string): string {
  return `loss ${loss.toFixed(3)} ${Math.round(rate).toLocaleString('en-US')} ${unit}/s`;
}
