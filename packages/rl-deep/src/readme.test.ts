import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('the README example trains, evaluates, saves and loads a DDPG agent', async () => {
  const logged = await runReadmeExample(root, { '@tessera/rl-deep': join(root, 'src', 'index.ts') });
  // A return is a sum of 200 rewards, each in [−(π² + 0.1·8² + 0.001·2²), 0] = [−16.27, 0].
  expect(logged).toEqual([[3, true], [true]]);
}, 60_000);
