/**
 * Compares the register tile shapes of the CPU backend's f32 GEMM (`GEMM_SHAPES` of
 * `@tessera/core/wasm`: rows of C per tile, k steps summed in registers per chunk) on this
 * machine: one kernel module per shape, each running the whole `sgemmWasm` path (copy in, pack,
 * microkernel, copy out) on one thread, timed round-robin in one process, with the machine's
 * SIMD limit (`peak.ts`) beside them. The backend's default module holds the 4×8 tile in
 * chunks of 24 and of 64 (64 where k ≥ 1,024: see sgemm.ts's chunkFor); rerun this where
 * the engine or CPU differs (ARM64 has 32 vector registers, V8 for x64 16) to see whether
 * another one should be. `-- --size 512` picks the product size (default 1024³),
 * `-- --relaxed` the fused multiply-add kernels (with `--experimental-wasm-relaxed-simd` on Node 20).
 */
import { cpus, loadavg } from 'node:os';
import { type CommandSpec, parseCommand, usage } from '@tessera/app-kit';
import { GEMM_SHAPES, relaxedSimdSupported, sgemmFunctions, sgemmWasm, WasmModule } from '@tessera/core/wasm';
import { simdPeakGflops } from './peak.js';
import { type Contender, fmt, randomData, table, timeInterleaved } from './timing.js';

const spec = {
  name: 'bench:gemm-shapes',
  summary: 'times the register tile shapes of the f32 GEMM on one thread',
  options: {
    size: { type: 'number', integer: true, min: 8, default: 1024, help: 'm = k = n of the product' },
    rounds: { type: 'number', integer: true, min: 1, default: 9, help: 'timed rounds (median)' },
    relaxed: { type: 'boolean', help: 'the fused multiply-add (relaxed SIMD) kernels' },
  },
} satisfies CommandSpec;
const cmd = parseCommand(
  spec,
  process.argv.slice(2).filter((x) => x !== '--'),
);
if (cmd.help) {
  console.log(usage(spec));
  process.exit(0);
}
const { size: n, rounds, relaxed } = cmd;
if (relaxed && !relaxedSimdSupported())
  throw new Error(
    'bench:gemm-shapes: --relaxed needs relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)',
  );

console.log(
  `${cpus()[0]?.model}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const a = randomData(n * n, 1);
const b = randomData(n * n, 2);
const out = new Float32Array(n * n);
const A = { data: a, offsets: [0], rs: n, cs: 1 };
const B = { data: b, offsets: [0], rs: n, cs: 1 };
const modules = GEMM_SHAPES.map((shape) => {
  const rt = WasmModule.create(1, (f) => sgemmFunctions(f, [shape]), { relaxedSimd: relaxed });
  if (!rt) throw new Error('bench:gemm-shapes: this engine has no WebAssembly SIMD');
  return { shape, rt };
});
const name = (i: number) => {
  const { mr, kchunk } = GEMM_SHAPES[i];
  return `${mr}×8, chunks of ${kchunk}`;
};
const contenders: Contender[] = modules.map(({ rt }, i) => ({
  name: name(i),
  run: () => {
    sgemmWasm(rt, n, n, n, 1, A, B, out);
  },
}));
// Extra warm-up so that every module's functions reach V8's optimizing tier before timing.
for (let i = 0; i < 3; i++) for (const c of contenders) await c.run();
const times = await timeInterleaved(contenders, rounds, 60_000);
const peak = simdPeakGflops();
const flop = 2 * n ** 3;
console.log(
  `\nf32 ${n}³ on one thread, ${relaxed ? 'relaxed SIMD (fused multiply-add)' : 'baseline SIMD'}; SIMD limit (peak.ts) ${fmt(peak.wall, 1)} GFLOP/s wall, ${fmt(peak.cpu, 1)} per CPU-second\n`,
);
console.log(
  table(
    ['shape', 'ms', 'GFLOP/s', 'GFLOP per CPU-s', '% of the limit (CPU)'],
    contenders.map((c) => {
      const t = times.get(c.name)!;
      const cpuRate = flop / t.cpuMs / 1e6;
      return [
        c.name,
        fmt(t.ms, 1),
        fmt(flop / t.ms / 1e6, 1),
        fmt(cpuRate, 1),
        fmt((100 * cpuRate) / peak.cpu, 0),
      ];
    }),
  ),
);
for (const { rt } of modules) rt.dispose();
