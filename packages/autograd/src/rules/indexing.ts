import {
  type CoreOpTable,
  expand,
  flip,
  gather,
  pad,
  padBackward,
  reshape,
  scatterAdd,
  slice,
  sliceScatter,
  sum,
  type Tensor,
  tril,
  triu,
  zeros,
} from '@tessera/core';
import type { TensorMeta } from '../node.js';
import { type GradRule, rule } from '../rule.js';

const zerosOf = (m: TensorMeta, like: Tensor): Tensor =>
  zeros(m.shape, { dtype: m.dtype, device: m.device, context: like.ctx });

interface SliceAttrs {
  axis: number;
  start: number;
  end: number;
  step: number;
}

type PadAttrs = { pads: [number, number][]; mode: 'constant' | 'reflect' | 'replicate'; value: number };

/** Rules for ops/indexing.ts, joining.ts, pad.ts and rearrange.ts (and the slice view). */
export const INDEXING_RULES: CoreOpTable<GradRule> = {
  // slice reads x[start:end:step]: write g back there, zeros elsewhere
  slice: rule<SliceAttrs>({
    vjp: ({ g, inputs: [x], attrs: a }) => [sliceScatter(zerosOf(x, g), g, a.axis, a.start, a.end, a.step)],
  }),
  // sliceScatter(base, src): base takes g outside the slice, src takes g inside it
  sliceScatter: rule<SliceAttrs>({
    vjp: ({ g, inputs: [, src], attrs: a, needs }) => [
      needs[0] ? sliceScatter(g, zerosOf(src, g), a.axis, a.start, a.end, a.step) : undefined,
      needs[1] ? slice(g, a.axis, a.start, a.end, a.step) : undefined,
    ],
  }),
  // concat: each input takes its own slice of g
  concat: rule<{ axis: number }>({
    vjp: ({ g, inputs, attrs: { axis } }) => {
      let at = 0;
      return inputs.map((m) => {
        const n = m.shape[axis];
        at += n;
        return slice(g, axis, at - n, at);
      });
    },
  }),
  // out = x[index] along axis: scatter-add g back to where each element came from
  gather: rule<{ axis: number }>({
    saves: { inputs: [1] },
    vjp: ({ g, x: [, index], inputs: [x], attrs: { axis } }) => [scatterAdd(zerosOf(x, g), axis, index, g)],
  }),
  // indexSelect is gather with the 1-D index broadcast along the other dims
  indexSelect: rule<{ axis: number }>({
    saves: { inputs: [1] },
    vjp: ({ g, x: [, index], inputs: [x], attrs: { axis } }) => {
      const lined = reshape(
        index,
        g.shape.map((d, k) => (k === axis ? d : 1)),
      );
      return [scatterAdd(zerosOf(x, g), axis, expand(lined, g.shape), g)];
    },
  }),
  // out = x + scatter(src): x takes g, src takes g gathered at index (zeros where index stops short)
  scatterAdd: rule<{ axis: number }>({
    saves: { inputs: [1] },
    vjp: ({ g, x: [, index], inputs: [, , src], attrs: { axis }, needs }) => {
      if (!needs[2]) return [g];
      const picked = gather(g, axis, index);
      const short = src.shape.map((d, k) => d - index.shape[k]);
      const flat = short.flatMap((_, k) => [0, short[short.length - 1 - k]]);
      return [g, undefined, short.some((d) => d > 0) ? pad(picked, flat) : picked];
    },
  }),
  // pad copies x (and mirrors of it) into a larger tensor: its adjoint sums those copies back
  pad: rule<PadAttrs>({
    vjp: ({ g, inputs: [x], attrs }) => [padBackward(g, { ...attrs, inputShape: [...x.shape] })],
  }),
  // tril/triu zero a triangle: the same mask applies to g
  tril: rule<{ k: number }>({ vjp: ({ g, attrs: { k } }) => [tril(g, k)] }),
  triu: rule<{ k: number }>({ vjp: ({ g, attrs: { k } }) => [triu(g, k)] }),
  // repeat tiles x rᵢ times along dim i: sum g over the tiles
  repeat: rule<{ reps: number[] }>({
    vjp: ({ g, inputs: [x], attrs: { reps } }) => {
      const tiles = reps.flatMap((r, i) => [r, x.shape[i]]);
      return [
        sum(
          reshape(g, tiles),
          reps.map((_, i) => 2 * i),
        ),
      ];
    },
  }),
  // flip is its own inverse
  flip: rule<{ axes: number[] }>({ vjp: ({ g, attrs: { axes } }) => [flip(g, axes)] }),
};
