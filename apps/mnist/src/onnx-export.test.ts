import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmax } from '@tessera/core';
import { loadMnist } from '@tessera/data/node';
import { maxAbsDifference, runOnnx } from '@tessera/onnx/testing';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';
import { run } from './run.js';

describe('--onnx: the trained MLP and CNN written as ONNX', () => {
  it('give the logits and predictions of Tessera in onnxruntime, within 1e-4, at any batch size', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-mnist-onnx-'));
    // One short epoch of each model: trained weights, far from their initialization.
    const argv = [
      '--model',
      'both',
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--limit',
      '128',
      '--onnx',
      '--out',
      out,
    ];
    const { results, files } = await run(parseCli(argv, out), () => {});
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'mnist-mlp.safetensors',
      'mnist-mlp.onnx',
      'mnist-cnn.safetensors',
      'mnist-cnn.onnx',
      'mnist-report.png',
    ]);
    const context = results[0].model.parameters()[0].ctx;
    const { train, test } = await loadMnist({ context });
    try {
      for (const r of results) {
        const bytes = new Uint8Array(readFileSync(join(out, `mnist-${r.name}.onnx`)));
        r.model.eval();
        for (const batch of [1, 64]) {
          const images = test.images.slice(0, 0, batch);
          const { logits } = await runOnnx(bytes, { image: images });
          const ours = r.model.forward(images);
          const diff = maxAbsDifference(logits.data, ours.dataSync());
          console.log(
            `${r.name}: max |onnxruntime − tessera| over ${batch} test digits = ${diff.toExponential(2)}`,
          );
          expect(logits.shape).toEqual([batch, 10]);
          expect(diff).toBeLessThan(1e-4);
          // The same predicted digit for every image (argmax taken apart from both outputs).
          const theirs = Array.from({ length: batch }, (_, i) => {
            const row = logits.data.slice(i * 10, i * 10 + 10);
            return row.indexOf(Math.max(...row));
          });
          expect(theirs).toEqual(Array.from(argmax(ours, 1).dataSync()));
        }
        r.model.dispose();
      }
    } finally {
      for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
    }
  });
});
