import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommand } from '@tessera/app-kit';
import { readPngSize } from '@tessera/plot';
import { describe, expect, it } from 'vitest';
import { IndependentPixels } from './baseline.js';
import { SPEC } from './cli.js';
import { run } from './run.js';

describe('independent-pixel baseline', () => {
  it('uses Laplace-smoothed frequencies and sums the Bernoulli log-likelihoods', () => {
    // Two rows of two pixels: pixel 0 is on in both, pixel 1 in one, so p = (3/4, 2/4).
    const base = new IndependentPixels(Float32Array.from([1, 1, 1, 0]), 2);
    expect(Array.from(base.p)).toEqual([0.75, 0.5]);
    // NLL of [1, 0] = −log 0.75 − log 0.5; of [0, 1] = −log 0.25 − log 0.5.
    const nll = base.meanNll(Float32Array.from([1, 0, 0, 1]));
    expect(nll).toBeCloseTo((-Math.log(0.75) - Math.log(0.25) - 2 * Math.log(0.5)) / 2, 12);
  });
});

describe('mnist-density app', () => {
  it('trains tiny models, reports NLLs below the uniform model, and reloads its weights exactly', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mnist-density-'));
    const small = ['--limit', '150', '--validation', '50', '--max-epochs', '1', '--nade-hidden', '8'];
    const tiny = [...small, '--made-hidden', '12', '--made-masks', '2', '--quiet', '--threads', '1'];
    const lines: string[] = [];
    const first = await run(parseCommand(SPEC, [...tiny, '--out', out]), (l) => lines.push(l));
    expect(first.models.map((m) => m.name)).toEqual(['fvsbn', 'nade', 'made']);
    const uniform = 784 * Math.log(2);
    for (const m of first.models) {
      for (const v of [m.train, m.validation, m.test]) expect(v).toBeGreaterThan(0);
      expect(m.test).toBeLessThan(uniform);
    }
    expect(first.models[1].numParameters).toBe(2 * 784 * 8 + 784 + 8);
    const { width: w, height: h } = readPngSize(readFileSync(join(out, 'samples.png')));
    expect(w * h).toBeGreaterThan(100 * 100);
    expect(lines.some((l) => l.startsWith('independent pixels: NLL train'))).toBe(true);
    // Evaluating the saved weights gives the same test NLLs.
    const again = await run(
      parseCommand(SPEC, [...tiny, '--weights', out, '--out', join(out, 'again')]),
      () => {},
    );
    again.models.forEach((m, i) => {
      expect(m.test).toBeCloseTo(first.models[i].test, 4);
    });
  }, 120_000);
});
