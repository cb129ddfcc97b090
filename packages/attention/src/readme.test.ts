import { backward, requiresGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn } from '@tessera/core';
import { expect, it } from 'vitest';
import { scaledDotProductAttention } from './index.js';

it('the README example runs', () => {
  const context = createContext();
  manualSeed(0, context);
  const q = requiresGrad(randn([2, 8, 100, 32], { context })); // [batch, heads, seq, dim]
  const k = requiresGrad(randn([2, 2, 100, 32], { context })); // 2 kv heads: grouped-query
  const v = requiresGrad(randn([2, 2, 100, 32], { context }));
  const out = scaledDotProductAttention(q, k, v, { causal: true }); // flash on the CPU
  backward(out.square().mean()); // the flash backward fills q.grad, k.grad, v.grad
  expect(out.shape).toEqual([2, 8, 100, 32]);
  expect(k.grad!.shape).toEqual([2, 2, 100, 32]);
});
