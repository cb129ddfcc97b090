import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '@tessera/core';
import { type DeserializeOptions, deserialize, serializeAsync, type TensorMap } from './safetensors.js';

/**
 * Writes tensors to a safetensors file atomically: the bytes go to a temporary file in the same
 * directory, are flushed to disk, and the temporary file is renamed over `path`. A crash or an
 * error before the rename leaves any previous file untouched.
 */
export async function saveFile(
  path: string,
  tensors: TensorMap,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = await serializeAsync(tensors, metadata);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Reads a safetensors file into tensors. */
export async function loadFile(path: string, options: DeserializeOptions = {}): Promise<Map<string, Tensor>> {
  return deserialize(new Uint8Array(await readFile(path)), options);
}
