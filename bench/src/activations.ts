/**
 * Elementwise activations on the CPU, one thread: Tessera's WebAssembly SIMD kernels beside its
 * TypeScript kernels (`simd: false`, the path every op without a SIMD kernel takes) and tfjs's
 * `cpu` and `wasm` backends where they have the op, on 2²⁰ f32 values in [−4, 4]. Contenders run
 * round-robin; medians of ns per element. Prints the CPU model and a Markdown table.
 *
 *   pnpm --filter @tessera/bench bench:activations
 */
import { cpus, loadavg } from 'node:os';
import { type CpuBackend, createContext, erf, type Tensor, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { type Contender, fmt, initTfjs, table, timeInterleaved, useTfBackend } from './timing.js';

const N = 1 << 20;

const simd = createContext({ cpu: { threads: 1 } });
const scalar = createContext({ cpu: { threads: 1, simd: false } });
const tf = await initTfjs();

const rng = new Rng(1);
const values = Float32Array.from({ length: N }, () => rng.uniform(-4, 4));
const inputs = {
  simd: tensor(values, [N], { context: simd }),
  scalar: tensor(values, [N], { context: scalar }),
};
const tfInput = tf.tensor1d(values);

const ops: { name: string; run: (x: Tensor) => Tensor; tf?: (x: typeof tfInput) => typeof tfInput }[] = [
  { name: 'gelu (erf)', run: (x) => x.gelu() },
  { name: 'gelu (tanh)', run: (x) => x.gelu({ approximate: 'tanh' }) },
  { name: 'erf', run: (x) => erf(x), tf: (x) => tf.erf(x) },
  { name: 'sigmoid', run: (x) => x.sigmoid(), tf: (x) => tf.sigmoid(x) },
  { name: 'silu', run: (x) => x.silu() },
  { name: 'exp', run: (x) => x.exp(), tf: (x) => tf.exp(x) },
];

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`${cpu}, ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}; ${N} f32 values, 1 thread`);
const info = (simd.backend('cpu') as CpuBackend).info();
console.log(`Tessera CPU backend: ${JSON.stringify(info)}`);

const rows: string[][] = [];
for (const op of ops) {
  const contenders: Contender[] = [
    { name: 'simd', run: () => op.run(inputs.simd).dispose() },
    { name: 'scalar', run: () => op.run(inputs.scalar).dispose() },
  ];
  for (const backend of op.tf ? (['cpu', 'wasm'] as const) : []) {
    const f = op.tf as NonNullable<typeof op.tf>;
    contenders.push({
      name: `tfjs ${backend}`,
      prepare: () => useTfBackend(backend),
      run: () => {
        const y = f(tfInput);
        y.dataSync();
        y.dispose();
      },
    });
  }
  const t = await timeInterleaved(contenders, 15, 4000);
  const ns = (name: string) => {
    const r = t.get(name);
    return r ? (r.ms * 1e6) / N : null;
  };
  const s = ns('simd');
  const c = ns('scalar');
  rows.push([
    op.name,
    fmt(s),
    fmt(c),
    s && c ? `${fmt(c / s)}×` : '—',
    op.tf ? fmt(ns('tfjs cpu')) : 'no op',
    op.tf ? fmt(ns('tfjs wasm')) : 'no op',
  ]);
}
console.log(
  table(
    ['op', 'Tessera SIMD ns/elem', 'Tessera TypeScript ns/elem', 'SIMD speedup', 'tfjs cpu', 'tfjs wasm'],
    rows,
  ),
);
for (const c of [simd, scalar]) (c.backend('cpu') as CpuBackend).dispose();
