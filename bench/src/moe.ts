/**
 * One mixture-of-experts layer against a dense SwiGLU layer with the same active FLOPs per token,
 * forward + backward, in one process: MoE with E = 8 experts, top-2, d = 256, expert hidden 512,
 * on 4,096 tokens — dropless (grouped matrix products over the expert segments) and in capacity
 * mode (capacity factor 1.25) — beside nn's SwiGLU with hidden 1,024 (2 × 512: the same
 * multiply-adds per token). Contenders run round-robin, medians of tokens/s.
 *
 *   pnpm --filter @tessera/bench bench:moe                  # CPU
 *   pnpm --filter @tessera/bench bench:moe -- --device webgpu
 *
 * MOE_ROUNDS (default 5) sets the timed rounds, MOE_TOKENS (default 4096) the tokens per step.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contextOn } from '@tessera/app-kit';
import { backward, zeroGrad } from '@tessera/autograd';
import { type Context, manualSeed, randn, type Tensor, tidy } from '@tessera/core';
import { MoE } from '@tessera/moe';
import { type Module, SwiGLU } from '@tessera/nn';
import { type Contender, fmt, table, timeInterleaved } from './timing.js';

/** Tokens per step (MOE_TOKENS overrides, e.g. for a software WebGPU adapter). */
const TOKENS = Number(process.env.MOE_TOKENS ?? 4096);
const DIM = 256;
const EXPERTS = 8;
const TOP_K = 2;
const HIDDEN = 512;

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'moe.json');

/** One training step's worth of work: forward, a scalar loss, backward into every parameter. */
function step(layer: Module & { forward(x: Tensor): Tensor }, x: Tensor, ctx: Context): () => Promise<void> {
  return async () => {
    const sink = tidy(() => {
      const loss = layer.forward(x).square().mean();
      backward(loss);
      return loss;
    }, ctx);
    await sink.data(); // the GPU has finished once the loss is read
    sink.dispose();
    zeroGrad(layer.parameters());
  };
}

async function main(): Promise<void> {
  const device = process.argv.includes('--device')
    ? process.argv[process.argv.indexOf('--device') + 1]
    : 'cpu';
  if (device !== 'cpu' && device !== 'webgpu')
    throw new Error(`bench:moe: --device must be cpu or webgpu, got ${device}`);
  const ctx = await contextOn(device);
  manualSeed(0, ctx);
  const where = { context: ctx, device };
  const x = randn([TOKENS, DIM], where);
  const dense = new SwiGLU(DIM, TOP_K * HIDDEN, where);
  const dropless = new MoE(DIM, { experts: EXPERTS, topK: TOP_K, hidden: HIDDEN, ...where });
  const capacity = new MoE(DIM, {
    experts: EXPERTS,
    topK: TOP_K,
    hidden: HIDDEN,
    capacityFactor: 1.25,
    ...where,
  });
  const contenders: Contender[] = [
    { name: 'dense SwiGLU (hidden 1024)', run: step(dense, x, ctx) },
    { name: 'MoE dropless (8 × 512, top-2)', run: step(dropless, x, ctx) },
    { name: 'MoE capacity 1.25 (8 × 512, top-2)', run: step(capacity, x, ctx) },
  ];
  console.log(`# MoE layer forward + backward, ${TOKENS} tokens, d ${DIM}, on ${device}`);
  console.log(
    `CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const times = await timeInterleaved(contenders, Number(process.env.MOE_ROUNDS ?? 5), 60_000);
  const denseMs = times.get(contenders[0].name)!.ms;
  const rows = contenders.map((c) => {
    const t = times.get(c.name)!;
    return [c.name, fmt(t.ms, 1), fmt(TOKENS / (t.ms / 1000), 0), `${fmt(denseMs / t.ms)}×`, String(t.runs)];
  });
  console.log(table(['layer', 'ms / step', 'tokens/s', 'vs dense', 'runs'], rows));
  const capMetrics = await capacity.metrics();
  console.log(
    `capacity mode dropped ${(capMetrics.droppedFraction * 100).toFixed(1)}% of the token-slots; load CV (dropless) ${(await dropless.metrics()).cv.toFixed(3)}`,
  );
  console.log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(
    resultsPath,
    JSON.stringify(
      { device, tokens: TOKENS, results: contenders.map((c) => ({ name: c.name, ...times.get(c.name)! })) },
      null,
      2,
    ),
  );
}

await main();
