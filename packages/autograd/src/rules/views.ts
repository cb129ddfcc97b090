import { type CoreOpTable, cast, isFloat, permute, reshape, to } from '@tessera/core';
import { type GradRule, rule } from '../rule.js';
import { sumToShape } from '../sum-to-shape.js';

/** Rules for views, copies, casts and device moves: each moves g back to the input's layout. */
export const VIEW_RULES: CoreOpTable<GradRule> = {
  // reshape is a relabelling: reshape g back
  reshape: rule({ vjp: ({ g, inputs: [x] }) => [reshape(g, x.shape)] }),
  // permute by the inverse permutation
  permute: rule<{ axes: number[] }>({
    vjp: ({ g, attrs: { axes } }) => {
      const inverse = new Array<number>(axes.length);
      axes.forEach((a, i) => {
        inverse[a < 0 ? a + axes.length : a] = i;
      });
      return [permute(g, inverse)];
    },
  }),
  // expand repeats with stride 0: sum g over the repeated dims
  expand: rule({ vjp: ({ g, inputs: [x] }) => [sumToShape(g, x.shape)] }),
  // copy is the identity
  copy: rule({ vjp: ({ g }) => [g] }),
  // cast back to the input dtype; integer inputs take no gradient
  cast: rule({ vjp: ({ g, inputs: [x] }) => [isFloat(x.dtype) ? cast(g, x.dtype) : undefined] }),
  // move back to the input's device
  toDevice: rule({ vjp: ({ g, inputs: [x] }) => [to(g, x.device)] }),
};
