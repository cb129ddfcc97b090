import { scaledDotProductAttention } from '@tessera/attention';
import { backward, requiresGrad } from '@tessera/autograd';
import { createContext, tensor } from '@tessera/core';

const context = createContext();
const [h, s, d] = [8, Number(process.argv[2] ?? 2048), 64];
const simd = process.argv[3] !== 'js';
const mk = () => {
  const a = new Float32Array(h * s * d);
  for (let i = 0; i < a.length; i++) a[i] = Math.random() - 0.5;
  return requiresGrad(tensor(a, [1, h, s, d], { context }));
};
const [q, k, v] = [mk(), mk(), mk()];
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  const o = scaledDotProductAttention(q, k, v, { strategy: 'flash', simd });
  const f = performance.now() - t;
  t = performance.now();
  backward(o.sum());
  console.log('flash', s, simd, 'fwd', f.toFixed(0), 'bwd', (performance.now() - t).toFixed(0), 'ms');
  o.dispose();
  for (const x of [q, k, v]) {
    x.grad?.dispose();
    x.grad = undefined;
  }
}
