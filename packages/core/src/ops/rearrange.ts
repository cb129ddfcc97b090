import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { defineOp } from '../op.js';
import { normalizeAxes, type ShapeArgs, shapeFromArgs } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { view } from './views.js';

/** Ops that copy elements to new places within the same dims: triangles, repeats, flips. */

export interface TriangleAttrs {
  k: number;
}

function triangleDef(name: 'tril' | 'triu') {
  return defineOp<TriangleAttrs>({
    name,
    differentiable: true,
    infer: ([x], { k }) => {
      if (x.rank < 2)
        fail(name, `needs a tensor of rank >= 2 (matrices in the last two dims), got ${fmtShape(x.shape)}`);
      if (!Number.isInteger(k)) fail(name, `diagonal offset k must be an integer, got ${k}`);
      return [{ shape: [...x.shape], dtype: x.dtype }];
    },
  });
}

export const trilDef = triangleDef('tril');
export const triuDef = triangleDef('triu');

export const repeatDef = defineOp<{ reps: number[] }>({
  name: 'repeat',
  differentiable: true,
  infer: ([x], { reps }) => {
    if (reps.length !== x.rank) {
      fail(
        'repeat',
        `expected ${x.rank} repetition counts for shape ${fmtShape(x.shape)}, got [${reps.join(', ')}]`,
      );
    }
    if (reps.some((r) => !Number.isInteger(r) || r < 0)) {
      fail('repeat', `repetition counts [${reps.join(', ')}] must be non-negative integers`);
    }
    return [{ shape: x.shape.map((d, i) => d * reps[i]), dtype: x.dtype }];
  },
});

export const flipDef = defineOp<{ axes: number[] }>({
  name: 'flip',
  differentiable: true,
  infer: ([x], { axes }) => {
    normalizeAxes('flip', axes, x.rank);
    return [{ shape: [...x.shape], dtype: x.dtype }];
  },
});

// ---- functions ----

/** Zeroes the elements above diagonal k of the last two dims (k > 0: above the main one). */
export function tril(x: Tensor, k = 0): Tensor {
  return dispatch(trilDef, [x], { k })[0];
}

/** Zeroes the elements below diagonal k of the last two dims. */
export function triu(x: Tensor, k = 0): Tensor {
  return dispatch(triuDef, [x], { k })[0];
}

/** torch.Tensor.repeat: reps has one count per dim, and may add leading dims. */
export function repeat(x: Tensor, ...repeats: ShapeArgs): Tensor {
  const reps = shapeFromArgs('repeat', repeats, 'repetition counts');
  if (reps.length < x.rank) {
    fail(
      'repeat',
      `needs at least ${x.rank} repetition counts for shape ${fmtShape(x.shape)}, got [${reps.join(', ')}]`,
    );
  }
  const lead = reps.length - x.rank;
  const v = view(x, [...new Array<number>(lead).fill(1), ...x.shape]);
  try {
    return dispatch(repeatDef, [v], { reps: [...reps] })[0];
  } finally {
    v.dispose();
  }
}

/** torch.tile: like repeat, but missing leading counts are 1. */
export function tile(x: Tensor, ...repeats: ShapeArgs): Tensor {
  const reps = shapeFromArgs('tile', repeats, 'repetition counts');
  const lead = Math.max(0, x.rank - reps.length);
  return repeat(x, [...new Array<number>(lead).fill(1), ...reps]);
}

/** Reverses the order of elements along each of the given axes. */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  return dispatch(flipDef, [x], { axes: normalizeAxes('flip', axes, x.rank) })[0];
}
