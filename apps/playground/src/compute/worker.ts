import { type Context, type CpuBackend, createContext } from '@tessera/core';
import { initWebGPU } from '@tessera/webgpu';
import { MnistTrainer } from './mnist-trainer.js';
import type { BackendInfo, FromWorker, Methods, ToWorker } from './protocol.js';
import { TinyGptTrainer } from './tiny-gpt-trainer.js';

/**
 * The compute worker: every tensor lives here, off the page's main thread. A worker may block in
 * Atomics.wait, so in a cross-origin isolated page the CPU backend runs its WebAssembly kernels on
 * several threads (on a page's main thread it could use only one).
 */
interface WorkerScope {
  crossOriginIsolated: boolean;
  postMessage(message: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

interface Session {
  context: Context;
  info: BackendInfo;
  mnist: MnistTrainer;
  gpt: TinyGptTrainer;
}
let session: Promise<Session> | undefined;

function trainers(context: Context, device: 'cpu' | 'webgpu') {
  return { mnist: new MnistTrainer(context, device), gpt: new TinyGptTrainer(context, device) };
}

async function start(prefer: 'auto' | 'cpu'): Promise<Session> {
  const context = createContext();
  const isolated = scope.crossOriginIsolated;
  let fallbackReason: string | undefined = prefer === 'cpu' ? 'the CPU was asked for' : undefined;
  if (prefer === 'auto') {
    if (!('gpu' in navigator)) fallbackReason = 'this browser has no navigator.gpu';
    else {
      try {
        const gpu = await initWebGPU({ context });
        const a = gpu.adapterInfo;
        const detail = [a.vendor, a.architecture, a.description].filter((s) => s).join(' · ') || 'adapter';
        const info: BackendInfo = { device: 'webgpu', detail, threads: 1, crossOriginIsolated: isolated };
        return { context, info, ...trainers(context, 'webgpu') };
      } catch (e) {
        fallbackReason = (e as Error).message;
      }
    }
  }
  const cpu = context.backend('cpu') as CpuBackend;
  const { simd, threads } = cpu.info();
  const info: BackendInfo = {
    device: 'cpu',
    detail: simd ? 'WebAssembly SIMD' : 'TypeScript kernels',
    threads,
    crossOriginIsolated: isolated,
    fallbackReason,
  };
  return { context, info, ...trainers(context, 'cpu') };
}

function need(): Promise<Session> {
  if (!session) throw new Error("compute worker: call 'init' first");
  return session;
}

type Handlers = {
  [M in keyof Methods]: (arg: Methods[M][0], progress: (p: Methods[M][2]) => void) => Promise<Methods[M][1]>;
};

const handlers: Handlers = {
  init: async ({ prefer }) => {
    session ??= start(prefer);
    return (await session).info;
  },
  mnistTrain: async (arg, progress) => (await need()).mnist.train(arg, progress),
  mnistClassify: async ({ pixels }) => (await need()).mnist.classify(pixels),
  gptTrain: async (arg, progress) => (await need()).gpt.train(arg, progress),
  gptDecode: async ({ a, b }, progress) => (await need()).gpt.decode(a, b, progress),
};

scope.onmessage = async (e: MessageEvent<ToWorker>) => {
  const { id, method, arg } = e.data;
  const post = (m: FromWorker) => scope.postMessage(m);
  try {
    const handler = handlers[method] as (a: unknown, p: (p: unknown) => void) => Promise<unknown>;
    const value = await handler(arg, (progress) => post({ id, kind: 'progress', progress }));
    post({ id, kind: 'result', value });
  } catch (err) {
    post({ id, kind: 'error', message: (err as Error).message ?? String(err) });
  }
};
