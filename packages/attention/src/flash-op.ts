import { type CustomOpDef, defineCustomOp, rule } from '@tessera/autograd';
import { defineOp, dispatch, type OpDef, type Tensor } from '@tessera/core';
import type { FlashAttrs } from './flash-attrs.js';
import { flashBackwardKernel } from './flash-backward.js';
import { flashForwardKernel } from './flash-forward.js';
import { checkAttentionInputs } from './validate.js';
import { flashBackwardWebGPU } from './webgpu/flash-backward-wgsl.js';
import { flashForwardWebGPU } from './webgpu/flash-forward-wgsl.js';

/**
 * The flash backward as an op of its own: inputs q, k, v, O, dO, L, dL (, mask); outputs
 * dQ, dK, dV. Not differentiable: second derivatives stop here, as for core's conv backward.
 */
function makeBackwardDef(masked: boolean): OpDef<FlashAttrs> {
  return defineOp<FlashAttrs>({
    name: masked ? 'attention.flashBackwardMasked' : 'attention.flashBackward',
    differentiable: false,
    infer: ([q, k, v]) => [
      { shape: [...q.shape], dtype: q.dtype },
      { shape: [...k.shape], dtype: k.dtype },
      { shape: [...v.shape], dtype: v.dtype },
    ],
    kernels: { cpu: flashBackwardKernel(), webgpu: flashBackwardWebGPU },
  });
}

/**
 * Attention as one op: outputs O [b, h, sq, dv] and L [b, h, sq] (row logsumexp). Its gradient
 * rule is the flash backward, recomputing P from L. Two definitions, with and without a mask
 * input, because a rule lists the inputs it saves by index.
 */
function makeForwardDef(masked: boolean, backward: OpDef<FlashAttrs>): CustomOpDef<FlashAttrs> {
  const name = masked ? 'attention.flashMasked' : 'attention.flash';
  return defineCustomOp<FlashAttrs>({
    name,
    infer: ([q, k, v, mask], attrs) => {
      checkAttentionInputs(name, q, k, v, mask, attrs.cuSeqlens);
      const [b, h, sq] = q.shape;
      return [
        { shape: [b, h, sq, v.shape[3]], dtype: q.dtype },
        { shape: [b, h, sq], dtype: q.dtype === 'f64' ? 'f64' : 'f32' },
      ];
    },
    kernels: { cpu: flashForwardKernel(), webgpu: flashForwardWebGPU },
    gradient: rule<FlashAttrs>({
      saves: { inputs: masked ? [0, 1, 2, 3] : [0, 1, 2], outputs: [0, 1] },
      vjp: ({ grads, x, y, attrs }) => {
        const [q, k, v, mask] = x;
        const [o, lse] = y;
        const ins: Tensor[] = [q, k, v, o, grads[0], lse, grads[1]];
        if (mask) ins.push(mask);
        const [dq, dk, dv] = dispatch(backward, ins, attrs);
        return [dq, dk, dv, undefined];
      },
    }),
  });
}

export const flashBackwardDef = makeBackwardDef(false);
export const flashBackwardMaskedDef = makeBackwardDef(true);
export const flashAttentionDef = makeForwardDef(false, flashBackwardDef);
export const flashAttentionMaskedDef = makeForwardDef(true, flashBackwardMaskedDef);
