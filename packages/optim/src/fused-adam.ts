import { type CpuKernel, defineOp, dispatch, type Tensor } from '@tessera/core';
import { adamWasm } from './wasm-adam.js';

/**
 * Parameters of at least this many elements take the WebAssembly SIMD step (wasm-adam.ts), which
 * the backend's threads share; smaller ones the TypeScript loop, which copies nothing.
 */
const WASM_ELEMS = 4096;

/** The scalars of one Adam/AdamW step (see adam.ts). */
export interface FusedAdamAttrs {
  b1: number;
  b2: number;
  /** lr / (1 − β₁ᵗ). */
  stepSize: number;
  /** √(1 − β₂ᵗ). */
  rootC2: number;
  eps: number;
  /** Adam's L2 weight decay λ, added to the gradient as λ·θ. */
  l2: number;
  /** AdamW's decoupled decay, θ·(1 − lr·λ) before the step (1 for none). */
  scale: number;
}

/**
 * θ, m, v ← one Adam step over dense f32 arrays in a single pass, each element computed in f64
 * and rounded once: g′ = g + l2·θ, m ← β₁·m + (1 − β₁)·g′, v ← β₂·v + (1 − β₂)·g′²,
 * θ ← scale·θ − stepSize·m / (√v / rootC2 + ε). The op-by-op form costs ~15 dispatches, ~10
 * temporaries and as many passes over memory per parameter; on a small model's many small
 * parameters the dispatches dominate the optimizer step. Large parameters run in WebAssembly
 * SIMD across the backend's threads instead (adamWasm; f32 arithmetic, so the last bits differ).
 */
const fusedAdamKernel: CpuKernel<FusedAdamAttrs> = ([p, g, m, v], [po, mo, vo], a, env) => {
  const [pd, gd, md, vd] = [p.data, g.data, m.data, v.data];
  const [op, og, om, ov] = [p.offset, g.offset, m.offset, v.offset];
  const [pn, mn, vn] = [po.data, mo.data, vo.data];
  const n = pn.length;
  if (
    n >= WASM_ELEMS &&
    pd instanceof Float32Array &&
    gd instanceof Float32Array &&
    md instanceof Float32Array &&
    vd instanceof Float32Array &&
    pn instanceof Float32Array &&
    mn instanceof Float32Array &&
    vn instanceof Float32Array
  ) {
    const arrays = {
      p: pd.subarray(op, op + n),
      g: gd.subarray(og, og + n),
      m: md.subarray(om, om + n),
      v: vd.subarray(ov, ov + n),
      po: pn,
      mo: mn,
      vo: vn,
    };
    if (adamWasm(env, arrays, a)) return;
  }
  const { b1, b2, stepSize, rootC2, eps, l2, scale } = a;
  const [c1, c2] = [1 - b1, 1 - b2];
  for (let i = 0; i < pn.length; i++) {
    const theta = pd[op + i];
    const grad = gd[og + i] + l2 * theta;
    const mi = b1 * md[om + i] + c1 * grad;
    const vi = b2 * vd[ov + i] + c2 * grad * grad;
    mn[i] = mi;
    vn[i] = vi;
    pn[i] = scale * theta - (stepSize * mi) / (Math.sqrt(vi) / rootC2 + eps);
  }
};

const fusedAdamDef = defineOp<FusedAdamAttrs>({
  name: 'optim.fusedAdam',
  differentiable: false,
  infer: ([p, , m, v]) => [
    { shape: [...p.shape], dtype: p.dtype },
    { shape: [...m.shape], dtype: m.dtype },
    { shape: [...v.shape], dtype: v.dtype },
  ],
  kernels: { cpu: fusedAdamKernel as CpuKernel },
});

/** Whether the fused step applies: contiguous f32 tensors of one shape on the CPU. */
export function canFuseAdam(p: Tensor, g: Tensor, m: Tensor, v: Tensor): boolean {
  return [p, g, m, v].every(
    (t) =>
      t.device === 'cpu' &&
      t.dtype === 'f32' &&
      t.isContiguous &&
      t.shape.length === p.shape.length &&
      t.shape.every((d, i) => d === p.shape[i]),
  );
}

/** One fused Adam step: the new θ, m and v (see fusedAdamKernel). */
export function fusedAdam(p: Tensor, g: Tensor, m: Tensor, v: Tensor, attrs: FusedAdamAttrs): Tensor[] {
  return dispatch(fusedAdamDef, [p, g, m, v], attrs);
}
