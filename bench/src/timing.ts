/** Shared helpers: deterministic inputs, medians, interleaved timing, tfjs setup, tables. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers no gradient functions; the union package does, and
// tf.train.adam's minimize needs them.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@tessera/core/rng';

export function randomData(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * One contender: `prepare` runs untimed before each timed `run` (e.g. switching tfjs backends). A
 * `run` that returns a promise (a GPU dispatch and the read of its result) is timed until it settles.
 */
export interface Contender {
  name: string;
  prepare?: () => Promise<void>;
  run: () => void | Promise<void>;
}

/** Median wall-clock ms per run, median process CPU ms per run (all threads), and the run count. */
export interface Timing {
  ms: number;
  cpuMs: number;
  runs: number;
}

/**
 * Times the contenders round-robin: a warm-up each, then up to `rounds` rounds in which every
 * contender runs once, so that load from other processes falls on all of them alike. A
 * contender stops being run once its own time passes `budgetMs`. Besides wall-clock time it
 * records the process's CPU time, which for a single-threaded contender measures its work even
 * when other processes take turns on the core.
 */
export async function timeInterleaved(
  contenders: Contender[],
  rounds: number,
  budgetMs: number,
): Promise<Map<string, Timing>> {
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) {
    await c.prepare?.();
    await c.run();
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const ts = times.get(c.name)!;
      if (ts.reduce((a, b) => a + b, 0) > budgetMs) continue;
      await c.prepare?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await c.run();
      ts.push(performance.now() - t0);
      const used = process.cpuUsage(c0);
      cpu.get(c.name)!.push((used.user + used.system) / 1000);
    }
  }
  return new Map(
    [...times].map(([k, ts]) => [k, { ms: median(ts), cpuMs: median(cpu.get(k)!), runs: ts.length }]),
  );
}

/** tfjs with its cpu and wasm backends; wasm single-threaded, as Node users get it. */
export async function initTfjs(): Promise<typeof tf> {
  const wasmDir = join(dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'))), '/');
  setWasmPaths(wasmDir);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

export async function useTfBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (tf.getBackend() !== name) await tf.setBackend(name);
}

export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? '—' : x.toFixed(digits);
}

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((l) => l[c].length)));
  const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
