import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';

/**
 * The flash kernels' tile products with relaxed SIMD's fused multiply-add (a child Node with
 * `--experimental-wasm-relaxed-simd` where the engine needs the flag) and without: the forward
 * within 2e-6 of an f64 softmax(QKᵀ/√d)·V written here, the relaxed gradients within 1e-5 of the
 * baseline ones (which flash.test.ts checks against finite differences and a reference).
 */
const [H, S, D] = [2, 70, 16];

function reference(q: number[], k: number[], v: number[]): number[] {
  const out: number[] = [];
  for (let h = 0; h < H; h++)
    for (let i = 0; i < S; i++) {
      const s = Array.from({ length: S }, (_, j) => {
        let x = 0;
        for (let t = 0; t < D; t++) x += q[(h * S + i) * D + t] * k[(h * S + j) * D + t];
        return x / Math.sqrt(D);
      });
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let t = 0; t < D; t++) {
        let o = 0;
        for (let j = 0; j < S; j++) o += (e[j] / z) * v[(h * S + j) * D + t];
        out.push(o);
      }
    }
  return out;
}

describe('flash attention with relaxed SIMD', () => {
  it('forward matches an f64 reference and gradients match the baseline path', () => {
    const rng = new Rng(3);
    const draw = () => Array.from({ length: H * S * D }, () => Math.fround(rng.uniform(-1, 1)));
    const [q, k, v] = [draw(), draw(), draw()];
    const dir = mkdtempSync(join(tmpdir(), 'tessera-flash-relaxed-'));
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify([q, k, v]));
    const script = join(dir, 'flash.ts');
    const entry = (p: string) => JSON.stringify(fileURLToPath(new URL(p, import.meta.url)));
    writeFileSync(
      script,
      [
        "import { readFileSync } from 'node:fs';",
        `import { createContext, tensor } from ${entry('../../core/src/index.ts')};`,
        `import { backward, requiresGrad } from ${entry('../../autograd/src/index.ts')};`,
        `import { scaledDotProductAttention } from ${entry('./index.ts')};`,
        "const [q, k, v] = JSON.parse(readFileSync(process.argv[2], 'utf8'));",
        'const out = {};',
        'for (const relaxedSimd of [true, false]) {',
        '  const context = createContext({ cpu: { threads: 2, relaxedSimd } });',
        `  const mk = (x) => requiresGrad(tensor(x, [1, ${H}, ${S}, ${D}], { context }));`,
        '  const [tq, tk, tv] = [mk(q), mk(k), mk(v)];',
        "  const o = scaledDotProductAttention(tq, tk, tv, { strategy: 'flash' });",
        '  backward(o.sum());',
        "  const info = context.backend('cpu').info();",
        '  const read = (t) => Array.from(t.dataSync());',
        '  out[String(relaxedSimd)] = { info, o: read(o), grads: [tq, tk, tv].flatMap((t) => read(t.grad)) };',
        "  context.backend('cpu').dispose();",
        '}',
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n'),
    );
    const major = Number(process.versions.node.split('.')[0]);
    const flags = major < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
    const res = JSON.parse(
      execFileSync(
        process.execPath,
        [...flags, '--conditions=@tessera/source', '--import', 'tsx', script, input],
        { encoding: 'utf8' },
      ),
    ) as Record<string, { info: { relaxedSimd: boolean }; o: number[]; grads: number[] }>;
    expect(res.true.info.relaxedSimd).toBe(true);
    expect(res.false.info.relaxedSimd).toBe(false);
    const want = reference(q, k, v);
    for (const path of ['true', 'false']) {
      const err = Math.max(...want.map((w, i) => Math.abs(res[path].o[i] - w)));
      expect(err).toBeLessThan(2e-6);
    }
    const gradErr = Math.max(...res.true.grads.map((g, i) => Math.abs(g - res.false.grads[i])));
    expect(gradErr).toBeLessThan(1e-5);
  });
});
