import { defineCustomOp, rule } from '@tessera/autograd';
import { type CpuInput, type CpuOutput, defineOp, dispatch, type Tensor, TesseraError } from '@tessera/core';

/*
 * NADE's teacher-forced logits as one op with its own CPU kernels. For each row x of [B, n]:
 *   a₀ = c,  aᵢ₊₁ = aᵢ + xᵢ·Wᵢ  (Wᵢ = row i of W [n, d]: the weights out of variable i),
 *   hᵢ = σ(aᵢ),  lᵢ = bᵢ + Vᵢ·hᵢ
 * which is the O(n·d) incremental forward of Larochelle & Murray (2011). The backward recomputes hᵢ and
 * runs the recurrence in reverse with r = Σ_{k>i} δaₖ (δaₖ = δlₖ·Vₖ ⊙ hₖ(1 − hₖ)):
 *   δVᵢ += δlᵢ·hᵢ,  δbᵢ += δlᵢ,  δWᵢ += xᵢ·r,  δxᵢ = Wᵢ·r,  δc += r after the whole row.
 * hᵢ changes only where xᵢ₋₁ ≠ 0, so σ is evaluated once per nonzero input, not n·d times per row.
 * Inputs are made contiguous by the caller, so the kernels index row-major from each offset.
 */

function sig(a: number): number {
  return 1 / (1 + Math.exp(-a));
}

function sizes(x: CpuInput, w: CpuInput): { batch: number; n: number; d: number } {
  return { batch: x.shape[0], n: x.shape[1], d: w.shape[1] };
}

function forwardKernel([x, w, c, v, b]: CpuInput[], [out]: CpuOutput[]): void {
  const { batch, n, d } = sizes(x, w);
  const a = new Float64Array(d);
  const h = new Float64Array(d);
  for (let e = 0; e < batch; e++) {
    for (let k = 0; k < d; k++) {
      a[k] = c.data[c.offset + k];
      h[k] = sig(a[k]);
    }
    for (let i = 0; i < n; i++) {
      const vo = v.offset + i * d;
      let l = b.data[b.offset + i];
      for (let k = 0; k < d; k++) l += v.data[vo + k] * h[k];
      out.data[e * n + i] = l;
      // h changes only after a nonzero input (binary digits: after the ~15% of pixels that are on).
      const xi = x.data[x.offset + e * n + i];
      if (xi !== 0) {
        const wo = w.offset + i * d;
        for (let k = 0; k < d; k++) {
          a[k] += xi * w.data[wo + k];
          h[k] = sig(a[k]);
        }
      }
    }
  }
}

function backwardKernel(
  [x, w, c, v, , g]: CpuInput[],
  [dx, dw, dc, dv, db]: CpuOutput[],
  { inputGradient }: BackwardAttrs,
): void {
  const { batch, n, d } = sizes(x, w);
  const a = new Float64Array(d);
  // hs[s] = h after the s-th nonzero input, and hs[s]·(1 − hs[s]); segment[i] = which one position i sees.
  const hs = new Float64Array((n + 1) * d);
  const slope = new Float64Array((n + 1) * d);
  const segment = new Int32Array(n);
  const r = new Float64Array(d);
  const dW = new Float64Array(n * d);
  const dV = new Float64Array(n * d);
  const dC = new Float64Array(d);
  const dB = new Float64Array(n);
  for (let e = 0; e < batch; e++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      a[k] = c.data[c.offset + k];
      const hk = sig(a[k]);
      hs[k] = hk;
      slope[k] = hk * (1 - hk);
    }
    for (let i = 0; i < n; i++) {
      segment[i] = s;
      const xi = x.data[x.offset + e * n + i];
      if (xi !== 0) {
        s++;
        const wo = w.offset + i * d;
        for (let k = 0; k < d; k++) {
          a[k] += xi * w.data[wo + k];
          const hk = sig(a[k]);
          hs[s * d + k] = hk;
          slope[s * d + k] = hk * (1 - hk);
        }
      }
    }
    r.fill(0);
    for (let i = n - 1; i >= 0; i--) {
      const xi = x.data[x.offset + e * n + i];
      const wo = w.offset + i * d;
      if (inputGradient) {
        let sx = 0;
        for (let k = 0; k < d; k++) sx += w.data[wo + k] * r[k];
        dx.data[e * n + i] = sx;
      }
      if (xi !== 0) for (let k = 0; k < d; k++) dW[i * d + k] += xi * r[k];
      const gi = g.data[g.offset + e * n + i];
      dB[i] += gi;
      if (gi === 0) continue;
      const vo = v.offset + i * d;
      const ho = segment[i] * d;
      for (let k = 0; k < d; k++) {
        dV[i * d + k] += gi * hs[ho + k];
        r[k] += gi * v.data[vo + k] * slope[ho + k];
      }
    }
    for (let k = 0; k < d; k++) dC[k] += r[k];
  }
  dw.data.set(dW);
  dv.data.set(dV);
  dc.data.set(dC);
  db.data.set(dB);
}

interface BackwardAttrs {
  /** Whether x wants a gradient (it costs n·d per row; training data does not). */
  inputGradient: boolean;
}

const backwardDef = defineOp<BackwardAttrs>({
  name: 'autoregressive.nadeLogitsBackward',
  differentiable: false,
  infer: ([x, w, c, v, b]) => [x, w, c, v, b].map((t) => ({ shape: [...t.shape], dtype: t.dtype })),
  kernels: { cpu: backwardKernel },
});

const forwardDef = defineCustomOp<Record<string, never>>({
  name: 'autoregressive.nadeLogits',
  infer: ([x, w, c, v, b]) => {
    const [batch, n] = x.shape;
    const d = w.shape[1];
    const ok =
      x.rank === 2 &&
      w.rank === 2 &&
      w.shape[0] === n &&
      c.rank === 1 &&
      c.shape[0] === d &&
      v.rank === 2 &&
      v.shape[0] === n &&
      v.shape[1] === d &&
      b.rank === 1 &&
      b.shape[0] === n;
    if (!ok) {
      const shapes = [x, w, c, v, b].map((t) => `[${t.shape.join(', ')}]`).join(', ');
      throw new TesseraError(
        'nadeLogits',
        `expected x [B, n], W [n, d], c [d], V [n, d], b [n]; got ${shapes}`,
      );
    }
    const dtypes = new Set([x, w, c, v, b].map((t) => t.dtype));
    if (dtypes.size !== 1 || !(x.dtype === 'f32' || x.dtype === 'f64'))
      throw new TesseraError(
        'nadeLogits',
        `inputs must share one dtype, f32 or f64; got ${[...dtypes].join(', ')}`,
      );
    return [{ shape: [batch, n], dtype: x.dtype }];
  },
  kernels: { cpu: forwardKernel },
  gradient: rule<Record<string, never>>({
    saves: { inputs: [0, 1, 2, 3, 4] },
    vjp: ({ g, x, needs }) => {
      const grads = dispatch(backwardDef, [...x.map((t) => t.contiguous()), g.contiguous()], {
        inputGradient: needs[0],
      });
      return [needs[0] ? grads[0] : undefined, ...grads.slice(1)];
    },
  }),
});

/**
 * NADE's logits lᵢ of p(xᵢ = 1 | x<ᵢ) for every row of x [B, n], from W [n, d] (row i: the weights out of
 * variable i), c [d], V [n, d] and b [n]: the O(n·d) incremental forward, differentiable in all five.
 */
export function nadeLogits(x: Tensor, w: Tensor, c: Tensor, v: Tensor, b: Tensor): Tensor {
  return dispatch(
    forwardDef,
    [x, w, c, v, b].map((t) => t.contiguous()),
    {},
  )[0];
}
