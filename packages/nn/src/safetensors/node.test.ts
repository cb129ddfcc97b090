import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { loadFile, saveFile } from './node.js';
import { parseHeader } from './safetensors.js';

const context = createContext();
const nodeTs = fileURLToPath(new URL('./node.ts', import.meta.url));
const coreTs = fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url));
const tsx = ['--import', 'tsx', '--conditions=@tessera/source'];

/** A process that has exited: its id names no live process (ids are not reused this soon). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

async function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
  await once(child, 'spawn');
  return child;
}

describe('saveFile', () => {
  it('removes the temporary files of dead processes for its target, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-st-stale-'));
    const dead = await deadPid();
    const live = await sleeper();
    const names = {
      dead: `model.safetensors.tmp-${dead}-0123456789ab`,
      live: `model.safetensors.tmp-${live.pid}-0123456789ab`,
      otherTarget: `other.safetensors.tmp-${dead}-0123456789ab`,
      notATemp: `model.safetensors.tmp-${dead}-notes.txt`,
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), 'partial');
    mkdirSync(join(dir, `model.safetensors.tmp-${dead}-ba9876543210`)); // a directory, never removed
    try {
      await saveFile(join(dir, 'model.safetensors'), { a: tensor([1, 2], { context }) });
    } finally {
      live.kill();
    }
    expect(readdirSync(dir).sort()).toEqual(
      [
        'model.safetensors',
        names.live,
        names.otherTarget,
        names.notATemp,
        `model.safetensors.tmp-${dead}-ba9876543210`,
      ].sort(),
    );
  });

  it('a save killed mid-write leaves the old file whole, and the next save removes its temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-st-kill-'));
    const target = join(dir, 'model.safetensors');
    const script = join(dir, 'save-forever.mts');
    // 4 MB per save, saved again and again until killed.
    writeFileSync(
      script,
      `import { saveFile } from ${JSON.stringify(nodeTs)};
import { arange } from ${JSON.stringify(coreTs)};
const w = arange(0, 1 << 20);
await saveFile(${JSON.stringify(target)}, { w });
process.stdout.write('saved\\n');
for (;;) await saveFile(${JSON.stringify(target)}, { w });
`,
    );
    let killedTemps: string[] = [];
    for (let attempt = 0; attempt < 5 && killedTemps.length === 0; attempt++) {
      const child = spawn(process.execPath, [...tsx, script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await once(child.stdout!, 'data');
      const mine = () => readdirSync(dir).filter((n) => n.startsWith(`model.safetensors.tmp-${child.pid}-`));
      for (let i = 0; i < 10_000 && mine().length === 0; i++) await new Promise((r) => setImmediate(r));
      child.kill('SIGKILL');
      await once(child, 'exit');
      killedTemps = mine(); // empty if the rename won the race: try again
    }
    expect(killedTemps).toHaveLength(1);
    // the target is a complete earlier save
    const old = await loadFile(target, { context });
    expect(old.get('w')!.shape).toEqual([1 << 20]);
    expect(old.get('w')!.dataSync()[123_456]).toBe(123_456);
    await saveFile(target, { b: tensor([5], { context }) });
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'save-forever.mts']);
    expect(parseHeader(new Uint8Array(readFileSync(target))).entries.map((e) => e.name)).toEqual(['b']);
  });

  it('errors name the target, not the temporary file: missing directory, a file as directory, a directory as target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-st-err-'));
    const t = { a: tensor([1], { context }) };
    const missing = join(dir, 'nope', 'model.safetensors');
    await expect(saveFile(missing, t)).rejects.toThrow(
      `saveFile: cannot write '${missing}': directory '${join(dir, 'nope')}' does not exist`,
    );
    writeFileSync(join(dir, 'file'), '');
    const underFile = join(dir, 'file', 'model.safetensors');
    await expect(saveFile(underFile, t)).rejects.toThrow(
      `saveFile: cannot write '${underFile}': '${join(dir, 'file')}' is not a directory`,
    );
    const isDir = join(dir, 'model.safetensors');
    mkdirSync(isDir);
    mkdirSync(join(isDir, 'inner'));
    await expect(saveFile(isDir, t)).rejects.toThrow(new RegExp(`saveFile: cannot write '${isDir}': `));
    await expect(saveFile(isDir, t)).rejects.not.toThrow(/\.tmp-/);
    expect(readdirSync(dir).sort()).toEqual(['file', 'model.safetensors']); // the temporary file is gone
  });

  it('a read-only directory: the error names the target', () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-st-ro-'));
    const dir = join(root, 'ro');
    mkdirSync(dir);
    const target = join(dir, 'model.safetensors');
    const script = join(root, 'save.mts');
    // Root ignores permission bits: the child drops to the unprivileged user 'nobody' after loading its
    // modules (so the repository's location needs no permissions for it), then saves.
    writeFileSync(
      script,
      `import { saveFile } from ${JSON.stringify(nodeTs)};
import { tensor } from ${JSON.stringify(coreTs)};
const a = tensor([1]);
if (process.getuid() === 0) { process.setgid(65534); process.setuid(65534); }
try { await saveFile(${JSON.stringify(target)}, { a }); process.stdout.write('saved'); }
catch (e) { process.stdout.write(e.message); }
`,
    );
    chmodSync(root, 0o755);
    chmodSync(dir, 0o555);
    const out = execFileSync(process.execPath, [...tsx, script], { encoding: 'utf8' });
    expect(out).toBe(`saveFile: cannot write '${target}': no permission to write in directory '${dir}'`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
