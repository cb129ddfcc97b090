import { fail, fmtShape, isFloat, type Tensor } from '@tessera/core';

/**
 * Checks q [b, h, sq, d], k [b, hk, sk, d], v [b, hk, sk, dv] and an optional mask
 * broadcastable to [b, h, sq, sk]; throws an error naming `op` and the shapes before any work.
 */
export function checkAttentionInputs(
  op: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | undefined,
  cuSeqlens: readonly number[] | null,
): void {
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    if (t.rank !== 4) fail(op, `${name} must be [batch, heads, seq, dim], got ${name} ${fmtShape(t.shape)}`);
    if (!isFloat(t.dtype)) fail(op, `${name} must be floating point, got ${t.dtype}`);
  }
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) {
    fail(op, `q, k and v must share a dtype, got q ${q.dtype}, k ${k.dtype}, v ${v.dtype}`);
  }
  const [b, h, sq, d] = q.shape;
  const [kb, kh, sk, kd] = k.shape;
  const [vb, vh, vs] = v.shape;
  if (kb !== b || vb !== b)
    fail(op, `batch sizes differ: q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`);
  if (kd !== d)
    fail(op, `q ${fmtShape(q.shape)} vs k ${fmtShape(k.shape)}: head dims differ (${d} vs ${kd})`);
  if (vh !== kh || vs !== sk)
    fail(op, `k ${fmtShape(k.shape)} vs v ${fmtShape(v.shape)}: heads and sequence length must match`);
  if (kh === 0 || h % kh !== 0) {
    fail(
      op,
      `q ${fmtShape(q.shape)} vs k ${fmtShape(k.shape)}: query heads (${h}) must be a multiple of kv heads (${kh})`,
    );
  }
  if (mask) {
    if (mask.dtype !== 'bool' && !isFloat(mask.dtype)) {
      fail(op, `mask must be bool (true keeps) or floating (added to the scores), got ${mask.dtype}`);
    }
    const target = [b, h, sq, sk];
    if (mask.rank > 4)
      fail(op, `mask ${fmtShape(mask.shape)} has more than 4 dims; expected broadcastable to [${target}]`);
    const lead = 4 - mask.rank;
    mask.shape.forEach((n, i) => {
      if (n !== 1 && n !== target[lead + i]) {
        fail(
          op,
          `mask ${fmtShape(mask.shape)} is not broadcastable to ${fmtShape(target)} (q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)})`,
        );
      }
    });
  }
  if (cuSeqlens) {
    if (b !== 1 || sq !== sk) {
      fail(
        op,
        `cuSeqlens needs packed sequences: batch 1 and equal q/k lengths, got q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}`,
      );
    }
    const ok =
      cuSeqlens.length >= 2 &&
      cuSeqlens[0] === 0 &&
      cuSeqlens[cuSeqlens.length - 1] === sq &&
      cuSeqlens.every((x, i) => Number.isInteger(x) && (i === 0 || x >= cuSeqlens[i - 1]));
    if (!ok) {
      fail(op, `cuSeqlens must rise from 0 to the packed length ${sq}, got [${cuSeqlens.join(', ')}]`);
    }
  }
}
