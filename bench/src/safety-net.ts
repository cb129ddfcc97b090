/**
 * The loop of issue #22 item 3: PyTorch-style training with no tidy and no dispose — a small
 * Linear model, mseLoss, backward, an optimizer step — and what stays live. Prints live tensors
 * and bytes (memory()) at the start, their maximum and at the end, what the garbage-collection
 * safety net reclaimed, and the process's ArrayBuffer bytes (what the CPU storage really holds).
 *
 *   pnpm --filter @tessera/bench bench:safety-net [-- --cpu-steps 10000 --gpu-steps 1000 --modes sync,yield-100]
 *
 * Three ways of running the loop, since FinalizationRegistry cleanups run only between tasks:
 * `await loss.item()` every step (on the CPU that awaits microtasks only), a yield to the event
 * loop every 100 steps (what a progress print or a GPU readback does), and no await at all.
 */
import { backward } from '@tessera/autograd';
import { type Context, createContext, memory, randn } from '@tessera/core';
import { Linear, mseLoss } from '@tessera/nn';
import { Adam, SGD } from '@tessera/optim';
import { initWebGPU, type WebGPUBackend } from '@tessera/webgpu';

type Mode = 'await-item' | 'yield-100' | 'sync';

interface Figures {
  device: string;
  optimizer: string;
  mode: Mode;
  steps: number;
  safetyNet: boolean;
  start: { tensors: number; bytes: number };
  max: { tensors: number; bytes: number };
  end: { tensors: number; bytes: number };
  reclaimedTensors: number;
  reclaimedBytes: number;
  maxArrayBufferMB: number;
  /** WebGPU: the most buffers handed out to tensors at once (sampled every 50 steps). */
  maxGpuBuffers: number;
  endGpuBuffers: number;
  seconds: number;
}

const macrotask = () => new Promise<void>((r) => setImmediate(r));

async function run(
  context: Context,
  device: string,
  optimizer: 'SGD' | 'Adam',
  mode: Mode,
  steps: number,
  gpu?: WebGPUBackend,
): Promise<Figures> {
  const x = randn([32, 16], { context, device });
  const y = randn([32, 4], { context, device });
  const model = new Linear(16, 4, { context, device });
  const params = model.parameters();
  const opt =
    optimizer === 'SGD' ? new SGD(params, { lr: 0.01, momentum: 0.9 }) : new Adam(params, { lr: 1e-3 });
  const start = memory(context);
  const max = { tensors: start.tensors, bytes: start.bytes };
  let maxArrayBuffers = 0;
  let maxGpuBuffers = 0;
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    const loss = mseLoss(model.forward(x), y);
    opt.zeroGrad();
    backward(loss);
    opt.step();
    if (mode === 'await-item') await loss.item();
    if (mode === 'yield-100' && step % 100 === 99) await macrotask();
    const m = memory(context);
    if (m.tensors > max.tensors) max.tensors = m.tensors;
    if (m.bytes > max.bytes) max.bytes = m.bytes;
    if (step % 50 === 0) maxArrayBuffers = Math.max(maxArrayBuffers, process.memoryUsage().arrayBuffers);
    if (gpu && step % 50 === 0) maxGpuBuffers = Math.max(maxGpuBuffers, gpu.memory().liveBuffers);
  }
  const seconds = (performance.now() - t0) / 1000;
  // A few turns of the event loop, no forced collection: what the program would see next.
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 20));
  const end = memory(context);
  return {
    device,
    optimizer,
    mode,
    steps,
    safetyNet: context.gcSafetyNet,
    start: { tensors: start.tensors, bytes: start.bytes },
    max,
    end: { tensors: end.tensors, bytes: end.bytes },
    reclaimedTensors: end.reclaimedTensors - start.reclaimedTensors,
    reclaimedBytes: end.reclaimedBytes - start.reclaimedBytes,
    maxArrayBufferMB: maxArrayBuffers / 2 ** 20,
    maxGpuBuffers,
    endGpuBuffers: gpu?.memory().liveBuffers ?? 0,
    seconds,
  };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function print(f: Figures): void {
  const cell = (v: { tensors: number; bytes: number }) => `${v.tensors} / ${v.bytes}`;
  const gpuCell = f.device === 'cpu' ? '–' : `${f.maxGpuBuffers} / ${f.endGpuBuffers}`;
  console.log(
    `| ${f.device} | ${f.optimizer} | ${f.mode} | ${f.safetyNet ? 'on' : 'off'} | ${f.steps} | ${cell(f.start)} | ${cell(f.max)} | ${cell(f.end)} | ${f.reclaimedTensors} / ${f.reclaimedBytes} | ${f.maxArrayBufferMB.toFixed(1)} | ${gpuCell} | ${f.seconds.toFixed(1)} |`,
  );
}

const modeArg = process.argv.indexOf('--modes');
const modes = (
  modeArg >= 0 ? process.argv[modeArg + 1].split(',') : ['await-item', 'yield-100', 'sync']
) as Mode[];
const cpuSteps = arg('cpu-steps', 10_000);
const gpuSteps = arg('gpu-steps', 1_000);
console.log(
  '| device | optimizer | loop | safety net | steps | start tensors / bytes | max | end | reclaimed tensors / bytes | max ArrayBuffer MiB | GPU buffers max / end | s |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
if (cpuSteps > 0) {
  for (const mode of modes) {
    for (const optimizer of ['SGD', 'Adam'] as const)
      print(await run(createContext(), 'cpu', optimizer, mode, cpuSteps));
  }
  print(
    await run(createContext({ gcSafetyNet: false }), 'cpu', 'Adam', 'yield-100', Math.min(cpuSteps, 2000)),
  );
}
if (gpuSteps > 0) {
  // Without an await the GPU work only queues up: a loop on WebGPU reads back or yields.
  for (const mode of modes.filter((m) => m !== 'sync')) {
    for (const optimizer of ['SGD', 'Adam'] as const) {
      const context = createContext();
      const gpu = await initWebGPU({ context });
      print(await run(context, 'webgpu', optimizer, mode, gpuSteps, gpu));
    }
  }
}
