import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Tensor, TesseraError } from '@tessera/core';
import { type DeserializeOptions, deserialize, serializeAsync, type TensorMap } from './safetensors.js';

/** `<target>.tmp-<pid>-<12 hex digits>`: the temporary file of a save to `target` by process `pid`. */
const tempName = (target: string): string => `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;

function tempPid(target: string, name: string): number | undefined {
  if (!name.startsWith(`${target}.tmp-`)) return undefined;
  const m = /^(\d+)-[0-9a-f]{12}$/.exec(name.slice(target.length + 5));
  return m ? Number(m[1]) : undefined;
}

/** Whether a process with this id exists on this machine (EPERM: it exists but is not ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that earlier saves to the same target left when their process was
 * killed: files named by `tempName` for this target whose process no longer exists. Temporary files
 * of live processes (a save in progress), of other targets and anything else are left alone, and
 * failures are ignored (the save itself reports a directory it cannot write).
 */
async function removeStaleTemps(dir: string, target: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempPid(target, name);
    if (pid === undefined || pid === process.pid || alive(pid)) continue;
    const path = join(dir, name);
    try {
      if ((await lstat(path)).isFile()) await unlink(path);
    } catch {
      // Another process may have removed it first.
    }
  }
}

/** An error about writing `path` (never the temporary file's name), from a file system error. */
function writeError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const dir = dirname(path);
  const why: Record<string, string> = {
    ENOENT: `directory '${dir}' does not exist`,
    ENOTDIR: `'${dir}' is not a directory`,
    EACCES: `no permission to write in directory '${dir}'`,
    EPERM: `no permission to write in directory '${dir}'`,
    EROFS: `directory '${dir}' is on a read-only file system`,
    EISDIR: `'${path}' is a directory`,
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
  };
  const err = new TesseraError(
    'saveFile',
    `cannot write '${path}': ${(code && why[code]) ?? (code || String(e))}`,
  );
  return Object.assign(err, { code, cause: e });
}

/**
 * Writes tensors to a safetensors file atomically: the bytes go to a temporary file
 * `<path>.tmp-<pid>-<random>` in the same directory, are flushed to disk, and the temporary file is
 * renamed over `path`. A crash or an error before the rename leaves any previous file untouched; the
 * next save to the same path removes temporary files whose process is gone. Errors name `path`.
 */
export async function saveFile(
  path: string,
  tensors: TensorMap,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = await serializeAsync(tensors, metadata);
  const dir = dirname(path);
  await removeStaleTemps(dir, basename(path));
  const tmp = join(dir, tempName(basename(path)));
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, 'wx');
  } catch (e) {
    throw writeError(path, e);
  }
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw writeError(path, e);
  }
}

/** Reads a safetensors file into tensors; errors about its contents name the file. */
export async function loadFile(path: string, options: DeserializeOptions = {}): Promise<Map<string, Tensor>> {
  const bytes = new Uint8Array(await readFile(path));
  try {
    return deserialize(bytes, options);
  } catch (e) {
    if (e instanceof TesseraError) throw new TesseraError('loadFile', `'${path}': ${e.message}`);
    throw e;
  }
}
