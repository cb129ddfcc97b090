import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmax } from '@tessera/core';
import { loadMnist } from '@tessera/data/node';
import { exportOnnx } from '@tessera/onnx';
import { maxAbsDifference, runOnnx } from '@tessera/onnx/testing';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';
import { run } from './run.js';

describe('the trained MLP and CNN exported to ONNX', () => {
  it('give the logits and predictions of Tessera in onnxruntime, within 1e-4', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-mnist-onnx-'));
    // One short epoch of each model: trained weights, far from their initialization. Exported with a
    // dynamic batch, as a server would take them.
    const { results } = await run(
      parseCli(
        ['--model', 'both', '--epochs', '1', '--batch-size', '32', '--limit', '128', '--out', out],
        out,
      ),
      () => {},
    );
    const context = results[0].model.parameters()[0].ctx;
    const { train, test } = await loadMnist({ context });
    const images = test.images.slice(0, 0, 64);
    try {
      for (const r of results) {
        const bytes = exportOnnx(r.model, {
          inputs: [{ name: 'image', shape: ['batch', 1, 28, 28] }],
          outputNames: ['logits'],
        });
        const { logits } = await runOnnx(bytes, { image: images });
        const ours = r.model.eval().forward(images);
        const diff = maxAbsDifference(logits.data, ours.dataSync());
        console.log(`${r.name}: max |onnxruntime − tessera| over 64 test digits = ${diff.toExponential(2)}`);
        expect(logits.shape).toEqual([64, 10]);
        expect(diff).toBeLessThan(1e-4);
        // Same predicted digit for every image (argmax computed apart from both outputs).
        const predictions = Array.from(argmax(ours, 1).dataSync());
        const theirs = Array.from({ length: 64 }, (_, i) => {
          const row = logits.data.slice(i * 10, i * 10 + 10);
          return row.indexOf(Math.max(...row));
        });
        expect(theirs).toEqual(predictions);
        r.model.dispose();
      }
    } finally {
      for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
    }
  });
});
