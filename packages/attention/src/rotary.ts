import { fmtShape, type Tensor, TesseraError, tensor } from '@tessera/core';

export interface RotaryOptions {
  /** Position of each token along the seq axis (default offset, offset + 1, …). */
  positions?: readonly number[];
  /** First position when `positions` is not given (the KV-cache length when decoding). */
  offset?: number;
  /** Frequency base θ (default 10000). */
  base?: number;
}

/**
 * x·cos + (x·R)·sin for x [..., s, d] split along d into `blocks.length` equal blocks of width w,
 * block b rotated by the positions `blocks[b]`: pair t (t < w/2) of a block turns by
 * position·θ^(−2t/w), laid out as the block's two halves (rotate-half convention). R is the
 * block-diagonal [d, d] signed permutation with x·R = each block's rotateHalf, [−x_hi, x_lo]: one
 * small product (and one in the backward pass) in place of strided slices, a negation and a
 * concat per block (and their slice-scatters backward); exact, since each output of x·R is one
 * input times ±1.
 */
function rotate(x: Tensor, blocks: readonly (readonly number[])[], base: number): Tensor {
  const d = x.shape[x.rank - 1];
  const s = x.shape[x.rank - 2];
  const w = d / blocks.length;
  const half = w / 2;
  const cos = new Float64Array(s * d);
  const sin = new Float64Array(s * d);
  const r = new Float32Array(d * d);
  blocks.forEach((positions, b) => {
    const o = b * w;
    positions.forEach((p, i) => {
      for (let t = 0; t < half; t++) {
        const angle = p * base ** ((-2 * t) / w);
        cos[i * d + o + t] = cos[i * d + o + t + half] = Math.cos(angle);
        sin[i * d + o + t] = sin[i * d + o + t + half] = Math.sin(angle);
      }
    });
    for (let t = 0; t < half; t++) {
      r[(o + t + half) * d + o + t] = -1;
      r[(o + t) * d + o + t + half] = 1;
    }
  });
  const opts = { dtype: x.dtype, context: x.ctx, device: x.device };
  const [c, sn, rot] = [tensor(cos, [s, d], opts), tensor(sin, [s, d], opts), tensor(r, [d, d], opts)];
  return x.mul(c).add(x.matmul(rot).mul(sn));
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
  return rotate(x, [positions], options.base ?? 10000);
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
  return rotate(x, [rowPos, colPos], options.base ?? 10000);
}
