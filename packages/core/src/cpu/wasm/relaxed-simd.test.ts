import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../default-context.js';
import { tensor } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { Rng } from '../../rng.js';
import type { CpuBackend } from '../backend.js';

/**
 * The matrix products with and without relaxed SIMD's fused multiply-add: both within 1e-5 of
 * an f64 reference. The fallback is forced in this process; the relaxed path runs in a child
 * Node started with `--experimental-wasm-relaxed-simd` where the engine needs the flag (Node 20).
 */

/** Values in [-1, 1] and the f64 product of row-major a (m×k) and b (k×n). */
function problem(m: number, k: number, n: number, seed: number) {
  const rng = new Rng(seed);
  const a = Array.from({ length: m * k }, () => Math.fround(rng.uniform(-1, 1)));
  const b = Array.from({ length: k * n }, () => Math.fround(rng.uniform(-1, 1)));
  const ref = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      ref[i * n + j] = s;
    }
  return { a, b, ref };
}

const SIZES: [number, number, number][] = [
  [67, 129, 33],
  [130, 300, 70],
];

describe('relaxed SIMD in the matrix products', () => {
  it('relaxedSimd: false keeps the baseline path, within 1e-5 of f64', () => {
    const ctx = createContext({ cpu: { threads: 1, relaxedSimd: false } });
    const cpu = ctx.backend('cpu') as CpuBackend;
    expect(cpu.info()).toMatchObject({ simd: true, relaxedSimd: false });
    for (const [m, k, n] of SIZES) {
      const { a, b, ref } = problem(m, k, n, m + k + n);
      const got = matmul(tensor(a, [m, k], { context: ctx }), tensor(b, [k, n], { context: ctx })).dataSync();
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
      expect(err).toBeLessThan(1e-5);
    }
    cpu.dispose();
  });

  it('with the engine flag, products use relaxed_madd, within 1e-5 of f64, and differ from the baseline path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-relaxed-'));
    const script = join(dir, 'relaxed.ts');
    const entry = fileURLToPath(new URL('../../index.ts', import.meta.url));
    writeFileSync(
      script,
      [
        "import { readFileSync } from 'node:fs';",
        `import { createContext, matmul, tensor } from ${JSON.stringify(entry)};`,
        "const [m, k, n, a, b] = JSON.parse(readFileSync(process.argv[2], 'utf8'));",
        'const out = {};',
        'for (const relaxedSimd of [true, false]) {',
        '  const ctx = createContext({ cpu: { threads: 2, relaxedSimd } });',
        "  const cpu = ctx.backend('cpu');",
        '  const c = matmul(tensor(a, [m, k], { context: ctx }), tensor(b, [k, n], { context: ctx })).dataSync();',
        '  out[String(relaxedSimd)] = { info: cpu.info(), c: Array.from(c) };',
        '  cpu.dispose();',
        '}',
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n'),
    );
    const [m, k, n] = SIZES[1];
    const { a, b, ref } = problem(m, k, n, 7);
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify([m, k, n, a, b]));
    const major = Number(process.versions.node.split('.')[0]);
    const flags = major < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
    const res = JSON.parse(
      execFileSync(process.execPath, [...flags, '--import', 'tsx', script, input], {
        encoding: 'utf8',
      }),
    ) as Record<string, { info: { relaxedSimd: boolean }; c: number[] }>;
    expect(res.true.info.relaxedSimd).toBe(true);
    expect(res.false.info.relaxedSimd).toBe(false);
    for (const path of ['true', 'false']) {
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(res[path].c[i] - ref[i]));
      expect(err).toBeLessThan(1e-5);
    }
    // Fused products round once: some of the 9,100 sums differ from the baseline's in the last bits.
    expect(res.true.c.some((x, i) => x !== res.false.c[i])).toBe(true);
  });
});
