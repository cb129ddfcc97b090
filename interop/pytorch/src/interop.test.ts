import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, manualSeed, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { bytesPerParameter } from '@tessera/memory';
import { crossEntropy } from '@tessera/nn';
import { loadFile, saveFile } from '@tessera/nn/node';
import { Decoder } from '@tessera/transformer';
import { afterAll, describe, expect, it } from 'vitest';
import { exportDecoder, importDecoder } from './index.js';

/** Debian's interpreter, where python3-torch lives (another python3 may come first on PATH). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'train_ddp.py');
const hasTorch =
  spawnSync(PYTHON, ['-c', 'import torch, torch.distributed'], { stdio: 'ignore' }).status === 0;
// CI installs python3-torch: there a missing torch is a failure, not a skip.
const run = hasTorch || process.env.CI === 'true';

const VOCAB = 16;
const SEQ = 12;
const ROWS = 8;

describe.runIf(run)(
  'a Tessera decoder trained on under torch.distributed (DDP + ZeroRedundancyOptimizer, 2 ranks, gloo)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-interop-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('PyTorch’s first-step loss equals Tessera’s, ZeRO-1 shards Adam’s state, and the weights come back', async () => {
      const context = createContext();
      manualSeed(7, context);
      const model = new Decoder(
        { vocab: VOCAB, dim: 32, layers: 2, heads: 4, kvHeads: 2, qkNorm: true },
        { context },
      );
      const rng = new Rng(11);
      // Rows that count up from a random start (mod the vocabulary): something to learn.
      const rows = Array.from({ length: ROWS }, () => {
        const start = rng.int(VOCAB);
        return Array.from({ length: SEQ + 1 }, (_, i) => (start + i) % VOCAB);
      });
      const probe = Array.from({ length: 3 }, () => Array.from({ length: SEQ }, () => rng.int(VOCAB)));
      const tokens = tensor(rows, { dtype: 'i32', context });
      const probeTokens = tensor(probe, { dtype: 'i32', context });
      await exportDecoder(model, dir);
      await saveFile(
        join(dir, 'batch.safetensors'),
        new Map([
          ['tokens', tokens],
          ['probe', probeTokens],
        ]),
      );

      const tesseraLoss = tidy(() => {
        const logits = model.forward(tokens.slice(1, 0, SEQ));
        return crossEntropy(
          logits.reshape([ROWS * SEQ, VOCAB]),
          tokens.slice(1, 1, SEQ + 1).reshape([ROWS * SEQ]),
        ).itemSync();
      }, context);

      execFileSync(PYTHON, [SCRIPT, dir, '--steps', '5', '--lr', '0.01', '--ranks', '2'], {
        cwd: dirname(SCRIPT),
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: 120_000,
      });
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
        first_loss: number;
        losses: number[];
        state_elements: number[];
        parameters: number;
      };
      console.log(`first-step loss: PyTorch ${report.first_loss}, Tessera ${tesseraLoss}`);
      expect(Math.abs(report.first_loss - tesseraLoss)).toBeLessThan(1e-4);
      expect(report.losses[4]).toBeLessThan(report.losses[0]);

      // Adam keeps two f32 moments per parameter: the planner's unsharded state is 8 bytes = 2 elements each.
      const psi = model.numParameters();
      expect(report.parameters).toBe(psi);
      const perParameter = bytesPerParameter('adam', 'f32').optimizer / 4;
      const total = report.state_elements.reduce((a, b) => a + b, 0);
      expect(total).toBe(perParameter * psi);
      const largest = Math.max(...report.state_elements) / total;
      console.log(
        `ZeRO-1 over 2 ranks: Adam state elements ${report.state_elements.join(' + ')} = ${total} ` +
          `(planner ${perParameter}Ψ = ${perParameter * psi}); largest rank ${(100 * largest).toFixed(1)}% vs the planner's 1/N_d = 50%`,
      );
      // ZeroRedundancyOptimizer shards whole parameters, so a rank's share is near, not at, 1/N_d.
      expect(largest).toBeGreaterThanOrEqual(0.5);
      expect(largest).toBeLessThan(0.75);

      const trained = await importDecoder(dir, 'trained.safetensors', context);
      const torchLogits = (await loadFile(join(dir, 'trained-logits.safetensors'), { context })).get(
        'logits',
      )!;
      const ours = trained.forward(probeTokens).dataSync();
      const theirs = torchLogits.dataSync();
      let diff = 0;
      for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
      expect(ours.length).toBe(3 * SEQ * VOCAB);
      console.log(`round-tripped logits: largest difference ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-5);
      // And the weights did change: the trained decoder is not the exported one.
      const before = model.forward(probeTokens).dataSync();
      expect(Math.max(...before.map((v, i) => Math.abs(v - ours[i])))).toBeGreaterThan(1e-3);
    });
  },
);
