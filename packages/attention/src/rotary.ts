import { concat, fmtShape, type Tensor, TesseraError, tensor } from '@tessera/core';

export interface RotaryOptions {
  /** Position of each token along the seq axis (default offset, offset + 1, …). */
  positions?: readonly number[];
  /** First position when `positions` is not given (the KV-cache length when decoding). */
  offset?: number;
  /** Frequency base θ (default 10000). */
  base?: number;
}

/**
 * cos and sin tables [s, d] for rotary embeddings: pair t (t < d/2) turns by position·θ^(−2t/d),
 * laid out as two halves (rotate-half convention) so that x·cos + rotateHalf(x)·sin rotates
 * each pair (x_t, x_{t+d/2}).
 */
function tables(x: Tensor, positions: readonly number[], base: number): [Tensor, Tensor] {
  const d = x.shape[x.rank - 1];
  const half = d / 2;
  const cos = new Float64Array(positions.length * d);
  const sin = new Float64Array(positions.length * d);
  positions.forEach((p, i) => {
    for (let t = 0; t < half; t++) {
      const angle = p * base ** ((-2 * t) / d);
      cos[i * d + t] = cos[i * d + t + half] = Math.cos(angle);
      sin[i * d + t] = sin[i * d + t + half] = Math.sin(angle);
    }
  });
  const o = { dtype: x.dtype, context: x.ctx, device: x.device };
  return [tensor(cos, [positions.length, d], o), tensor(sin, [positions.length, d], o)];
}

/**
 * Rotary position embedding (RoFormer) of x [..., s, d] along its seq axis (−2): each pair
 * (x_t, x_{t+d/2}) is rotated by angle pos·θ^(−2t/d), so q·k depends only on relative position.
 * Composed of core ops, so autograd differentiates through it.
 */
export function applyRotary(x: Tensor, options: RotaryOptions = {}): Tensor {
  if (x.rank < 2)
    throw new TesseraError('applyRotary', `x must be [..., seq, dim], got ${fmtShape(x.shape)}`);
  const s = x.shape[x.rank - 2];
  const d = x.shape[x.rank - 1];
  if (d % 2 !== 0) throw new TesseraError('applyRotary', `dim must be even, got x ${fmtShape(x.shape)}`);
  const offset = options.offset ?? 0;
  const positions = options.positions ?? Array.from({ length: s }, (_, i) => offset + i);
  if (positions.length !== s) {
    throw new TesseraError(
      'applyRotary',
      `${positions.length} positions for x ${fmtShape(x.shape)} (seq ${s})`,
    );
  }
  const [cos, sin] = tables(x, positions, options.base ?? 10000);
  return x.mul(cos).add(x.matmul(rotateHalfMatrix(x)).mul(sin));
}

/**
 * The [d, d] signed permutation R with x·R = rotateHalf(x) = [−x_{d/2…d−1}, x_{0…d/2−1}]. One small
 * product (and one in the backward pass) in place of two strided slices, a negation and a concat
 * (and their slice-scatters backward); exact, since each output is one input times ±1.
 */
function rotateHalfMatrix(x: Tensor): Tensor {
  const d = x.shape[x.rank - 1];
  const half = d / 2;
  const r = new Float32Array(d * d);
  for (let t = 0; t < half; t++) {
    r[(t + half) * d + t] = -1;
    r[t * d + t + half] = 1;
  }
  return tensor(r, [d, d], { dtype: x.dtype, context: x.ctx, device: x.device });
}

/** (row, column) of one token, for 2-D rotary embeddings. */
export type Position2d = readonly [row: number, col: number];

export type Rotary2dOptions = (
  | {
      /** Patch grid: token n sits at row ⌊n / cols⌋, column n mod cols. */
      rows: number;
      cols: number;
    }
  | {
      /** The (row, column) of each token along the seq axis, e.g. image patches after text tokens. */
      positions: readonly Position2d[];
    }
) & { base?: number };

/**
 * 2-D rotary embedding, x [..., s, d]: the first half of the head dim is rotated by each token's
 * row, the second half by its column, so q·k depends only on the (row, column) offset between
 * two tokens. Positions come from a patch grid (`rows`, `cols`) or are given per token
 * (`positions`). d must be a multiple of 4.
 */
export function applyRotary2d(x: Tensor, options: Rotary2dOptions): Tensor {
  const s = x.shape[x.rank - 2];
  const d = x.shape[x.rank - 1];
  let rowPos: number[];
  let colPos: number[];
  if ('positions' in options) {
    if (options.positions.length !== s || d % 4 !== 0) {
      throw new TesseraError(
        'applyRotary2d',
        `x ${fmtShape(x.shape)} needs one (row, col) position per token (got ${options.positions.length} for seq ${s}) and a dim divisible by 4`,
      );
    }
    rowPos = options.positions.map((p) => p[0]);
    colPos = options.positions.map((p) => p[1]);
  } else {
    const { rows, cols } = options;
    if (s !== rows * cols || d % 4 !== 0) {
      throw new TesseraError(
        'applyRotary2d',
        `x ${fmtShape(x.shape)} needs seq = rows·cols = ${rows}·${cols} and a dim divisible by 4`,
      );
    }
    rowPos = Array.from({ length: s }, (_, n) => Math.floor(n / cols));
    colPos = Array.from({ length: s }, (_, n) => n % cols);
  }
  const base = options.base;
  return concat(
    [
      applyRotary(x.slice(-1, 0, d / 2), { positions: rowPos, base }),
      applyRotary(x.slice(-1, d / 2, d), { positions: colPos, base }),
    ],
    -1,
  );
}
