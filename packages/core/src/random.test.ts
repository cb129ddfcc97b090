import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createContext, manualSeed } from './default-context.js';
import { rand, randint, randn } from './ops/creation.js';
import { philox4x32 } from './random.js';

describe('Philox4x32-10', () => {
  // Known-answer vectors published with Random123 (kat_vectors), Salmon et al. 2011.
  it('matches the published known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect([...out]).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const m = 0xffffffff;
    philox4x32(m, m, m, m, m, m, out);
    expect([...out]).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect([...out]).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });
});

describe('seeded sampling', () => {
  it('the same seed gives the same numbers; another seed does not', () => {
    const ctx = createContext();
    manualSeed(7, ctx);
    const a = randn([100], { context: ctx }).dataSync();
    manualSeed(7, ctx);
    const b = randn([100], { context: ctx }).dataSync();
    manualSeed(8, ctx);
    const c = randn([100], { context: ctx }).dataSync();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('draws have the moments of their distributions', () => {
    const ctx = createContext();
    manualSeed(1, ctx);
    const n = 20000;
    const z = randn([n], { dtype: 'f64', context: ctx }).dataSync();
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
    const u = rand([n], { context: ctx }).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((s, v) => s + v, 0) / n - 0.5)).toBeLessThan(0.01);
    const k = randint(3, 7, [n], { context: ctx }).dataSync();
    const counts = [3, 4, 5, 6].map((v) => k.filter((x) => x === v).length);
    expect(counts.reduce((s, v) => s + v, 0)).toBe(n);
    for (const c of counts) expect(Math.abs(c / n - 0.25)).toBeLessThan(0.02);
  });

  it('manualSeed(s) then randn([1000]) is identical in two processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-seed-'));
    const script = join(dir, 'draw.ts');
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    writeFileSync(
      script,
      `import { manualSeed, randn } from ${JSON.stringify(entry)};\nmanualSeed(1234);\nprocess.stdout.write(JSON.stringify(Array.from(randn([1000]).dataSync())));\n`,
    );
    const run = () => execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    const first = JSON.parse(run()) as number[];
    const second = JSON.parse(run()) as number[];
    expect(first).toHaveLength(1000);
    expect(second).toEqual(first);
  });
});
