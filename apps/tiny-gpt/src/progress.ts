/** A one-line progress bar on a terminal, or a line every 10% when output is not a terminal. */
export class ProgressBar {
  private lastDecile = -1;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly width = 28,
  ) {}

  update(done: number, info: string): void {
    const fraction = Math.min(1, done / this.total);
    if (this.out.isTTY) {
      const filled = Math.round(fraction * this.width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}`;
      this.out.write(`\r${bar} ${done}/${this.total} ${info}\x1b[K`);
      if (done >= this.total) this.out.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${String(Math.round(fraction * 100)).padStart(3)}% ${done}/${this.total} ${info}\n`);
    }
  }
}
