import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('exports the CNN and onnxruntime reproduces its logits within 1e-4', async () => {
    const logged = await runReadmeExample(root, { '@tessera/onnx': join(root, 'src', 'index.ts') });
    expect(logged).toHaveLength(1);
    const [size, close] = logged[0] as [number, boolean];
    expect(close).toBe(true);
    // Parameters alone are (4·9 + 4 + 676·10 + 10)·4 bytes; the graph adds a little.
    expect(size).toBeGreaterThan((4 * 9 + 4 + 676 * 10 + 10) * 4);
    expect(size).toBeLessThan((4 * 9 + 4 + 676 * 10 + 10) * 4 + 2000);
  });
});
