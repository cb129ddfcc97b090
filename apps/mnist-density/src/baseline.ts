/**
 * The independent-pixel baseline: p(x) = Πᵢ pᵢ^xᵢ (1 − pᵢ)^(1−xᵢ) with pᵢ the training frequency of pixel i
 * smoothed by Laplace's rule, (ones + 1)/(N + 2), so no pixel has probability 0 or 1.
 */
export class IndependentPixels {
  readonly p: Float64Array;

  constructor(train: Float32Array, n: number) {
    const rows = train.length / n;
    const ones = new Float64Array(n);
    for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) ones[i] += train[r * n + i];
    this.p = ones.map((c) => (c + 1) / (rows + 2));
  }

  /** Mean negative log-likelihood in nats over the rows of data. */
  meanNll(data: Float32Array): number {
    const n = this.p.length;
    const rows = data.length / n;
    const log1 = this.p.map(Math.log);
    const log0 = this.p.map((q) => Math.log1p(-q));
    let total = 0;
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < n; i++) total -= data[r * n + i] === 1 ? log1[i] : log0[i];
    return total / rows;
  }
}
