import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written', async () => {
    const logged = await runReadmeExample(root, { '@tessera/gui-agent': join(root, 'src', 'index.ts') });
    // 720/8 = 90, 1280/8 = 160: 720×1280 > 6144, β = √(921600/6144) = 12.247; 720/β/8 = 7.35 → 56,
    // 1280/β/8 = 13.06 → 104. Cell (10, 20) of 104×56 over 1280×720: (10.5·1280/104, 20.5·720/56).
    expect(logged).toEqual([
      [56, 104],
      ['click', 129, 264],
      ["Thought: Copy it.\nAction: hotkey(key='ctrl c')"],
    ]);
  });
});
