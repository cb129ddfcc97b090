import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { defineOp } from '../op.js';
import { checkOptions } from '../options.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Padding. Negative pads crop, in constant mode only (as PyTorch's constant pad does);
 * reflect and replicate take non-negative pads, and reflect needs each pad < the dim size.
 */

export type PadMode = 'constant' | 'reflect' | 'replicate';

export interface PadAttrs {
  /** [before, after] for every dim of the input, first dim first. */
  pads: [number, number][];
  mode: PadMode;
  value: number;
}

export interface PadBackwardAttrs extends PadAttrs {
  inputShape: number[];
}

export interface PadOptions {
  mode?: PadMode;
  /** Fill value of constant mode. */
  value?: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate'];

/** The padded shape, after checking attrs against the input shape. */
export function paddedShape(op: string, shape: readonly number[], a: PadAttrs): number[] {
  if (!MODES.includes(a.mode)) fail(op, `unknown mode '${String(a.mode)}' (expected ${MODES.join(', ')})`);
  if (a.pads.length !== shape.length) {
    fail(op, `expected [before, after] pads for each of the ${shape.length} dims of ${fmtShape(shape)}`);
  }
  return shape.map((n, d) => {
    const [before, after] = a.pads[d];
    if (!Number.isInteger(before) || !Number.isInteger(after)) {
      fail(op, `pads must be integers, got [${before}, ${after}] for dim ${d}`);
    }
    if (a.mode !== 'constant' && (before < 0 || after < 0)) {
      fail(op, `${a.mode} padding needs non-negative pads, got [${before}, ${after}] for dim ${d}`);
    }
    if (a.mode === 'reflect' && (before >= n || after >= n) && (before > 0 || after > 0)) {
      fail(
        op,
        `reflect pads [${before}, ${after}] must be smaller than dim ${d} of size ${n} (input ${fmtShape(shape)})`,
      );
    }
    if (a.mode === 'replicate' && n === 0 && (before > 0 || after > 0)) {
      fail(op, `cannot replicate-pad the empty dim ${d} of ${fmtShape(shape)}`);
    }
    const size = n + before + after;
    if (size < 0) {
      fail(op, `pads [${before}, ${after}] crop more than dim ${d} of size ${n} (input ${fmtShape(shape)})`);
    }
    return size;
  });
}

export const padDef = defineOp<PadAttrs>({
  name: 'pad',
  differentiable: true,
  infer: ([x], a) => [{ shape: paddedShape('pad', x.shape, a), dtype: x.dtype }],
});

/**
 * The adjoint of pad: each input element receives the sum of the output gradients copied from
 * it (one for constant mode, several at reflected or replicated borders).
 */
export const padBackwardDef = defineOp<PadBackwardAttrs>({
  name: 'padBackward',
  differentiable: false,
  infer: ([g], a) => {
    const expected = paddedShape('padBackward', a.inputShape, a);
    if (!shapesEqual(expected, g.shape)) {
      fail(
        'padBackward',
        `gradient ${fmtShape(g.shape)} does not match the padded shape ${fmtShape(expected)} ` +
          `of input ${fmtShape(a.inputShape)}`,
      );
    }
    return [{ shape: [...a.inputShape], dtype: g.dtype }];
  },
});

/** PyTorch's flat pad list (last dim first) as [before, after] for every dim. */
export function padPairs(op: string, rank: number, pads: readonly number[]): [number, number][] {
  if (pads.length % 2 !== 0 || pads.length / 2 > rank) {
    fail(
      op,
      `pads [${pads.join(', ')}] must hold a (left, right) pair for each of at most ${rank} trailing dims`,
    );
  }
  const out: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++) out[rank - 1 - i] = [pads[2 * i], pads[2 * i + 1]];
  return out;
}

// ---- functions ----

/**
 * Pads (or, with negative constant pads, crops) the trailing dims. `pads` is in PyTorch's
 * order: [left, right] of the last dim, then [top, bottom] of the one before, and so on.
 */
export function pad(x: Tensor, pads: readonly number[], options: PadOptions = {}): Tensor {
  checkOptions('pad', options, ['mode', 'value']);
  const attrs: PadAttrs = {
    pads: padPairs('pad', x.rank, pads),
    mode: options.mode ?? 'constant',
    value: options.value ?? 0,
  };
  return dispatch(padDef, [x], attrs)[0];
}

/** The gradient of pad with respect to its input, given pad's attrs and input shape. */
export function padBackward(gradOut: Tensor, attrs: PadBackwardAttrs): Tensor {
  return dispatch(padBackwardDef, [gradOut], attrs)[0];
}
