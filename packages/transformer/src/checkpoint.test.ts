import { backward } from '@tessera/autograd';
import { createContext, manualSeed, randint, tidy } from '@tessera/core';
import { crossEntropy } from '@tessera/nn';
import { describe, expect, it } from 'vitest';
import { Decoder } from './index.js';

describe('Decoder with checkpoint: true', () => {
  it('gives the gradients of the plain decoder, dropout included (1e-6)', () => {
    const grads = (checkpoint: boolean) => {
      const context = createContext();
      manualSeed(3, context);
      const model = new Decoder(
        { vocab: 16, dim: 16, layers: 3, heads: 2, kvHeads: 1, dropout: 0.2, checkpoint },
        { context },
      );
      model.train();
      const x = randint(0, 16, [2, 8], { context });
      const y = randint(0, 16, [16], { context });
      const loss = tidy(() => {
        const l = crossEntropy(model.forward(x).reshape([16, 16]), y);
        backward(l);
        return l.itemSync();
      }, context);
      return {
        loss,
        grads: model.namedParameters().map(([n, p]) => [n, Array.from(p.grad!.dataSync())] as const),
      };
    };
    const plain = grads(false);
    const ckpt = grads(true);
    expect(Math.abs(ckpt.loss - plain.loss)).toBeLessThan(1e-6);
    plain.grads.forEach(([name, g], i) => {
      const h = ckpt.grads[i][1];
      const diff = Math.max(...g.map((v, j) => Math.abs(v - h[j])));
      expect(diff, name).toBeLessThan(1e-6);
    });
  });
});
