import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Context, TesseraError } from '@tessera/core';
import { loadFile, saveFile } from '@tessera/nn/node';
import { Decoder, type DecoderConfig } from '@tessera/transformer';

/** What config.json holds: the decoder's config with the feed-forward width resolved. */
export type ExportedConfig = DecoderConfig & { ffnHidden: number };

/**
 * Writes `dir/config.json` and `dir/model.safetensors` (Tessera's parameter names, f32, row-major
 * [out, in] linear weights — PyTorch's layouts), which `python/tessera_decoder.py` loads with
 * `load_state_dict(strict=True)`.
 */
export async function exportDecoder(model: Decoder, dir: string): Promise<ExportedConfig> {
  if (model.config.feedForward) {
    throw new TesseraError(
      'exportDecoder',
      'a custom feedForward has no PyTorch twin; only the dense SwiGLU exports',
    );
  }
  const w1 = model.stateDict().get('block0.ffn.w1.weight');
  if (!w1) throw new TesseraError('exportDecoder', "the decoder has no 'block0.ffn.w1.weight'");
  const config: ExportedConfig = { ...model.config, ffnHidden: w1.shape[0] };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await saveFile(join(dir, 'model.safetensors'), model.stateDict());
  return config;
}

/** A decoder built from `dir/config.json` with the weights of `dir/<file>` (strict: every name and shape). */
export async function importDecoder(
  dir: string,
  file = 'model.safetensors',
  context?: Context,
): Promise<Decoder> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as ExportedConfig;
  const model = new Decoder(config, { context });
  const weights = await loadFile(join(dir, file), { context });
  try {
    model.loadStateDict(weights);
  } finally {
    for (const t of weights.values()) t.dispose();
  }
  return model;
}
