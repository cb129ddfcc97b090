/** Messages between the page and its compute worker (src/compute/worker.ts). */

/** Which device the worker computes on, as the page shows it. */
export interface BackendInfo {
  device: 'webgpu' | 'cpu';
  /** The WebGPU adapter's description, or e.g. "WebAssembly SIMD" on the CPU. */
  detail: string;
  /** CPU kernel threads (1 on WebGPU, where the CPU only orchestrates). */
  threads: number;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer, so WebAssembly threads). */
  crossOriginIsolated: boolean;
  /** Why WebGPU was not used, when it was not. */
  fallbackReason?: string;
}

export interface MnistTrainRequest {
  /** The digits file (src/mnist/digits-asset.ts). */
  digits: ArrayBuffer;
  epochs: number;
  hidden: number;
  batchSize: number;
  lr: number;
  seed: number;
}

export interface MnistTrainResult {
  testAccuracy: number;
  testSize: number;
  trainSize: number;
  steps: number;
  seconds: number;
}

/** Requests: method name → [argument, result]. */
export interface Methods {
  init: [{ prefer: 'auto' | 'cpu' }, BackendInfo];
  mnistTrain: [MnistTrainRequest, MnistTrainResult];
  /** 784 pixels in [0, 1], row after row → the ten class probabilities. */
  mnistClassify: [{ pixels: Float32Array }, number[]];
}
export type Method = keyof Methods;

/** Progress of a long request: a training step's loss and throughput. */
export interface Progress {
  step: number;
  total: number;
  loss: number;
  /** Samples (MNIST) or tokens (tiny GPT) per second so far. */
  rate: number;
}

export type ToWorker = { id: number; method: Method; arg: unknown };
export type FromWorker =
  | { id: number; kind: 'result'; value: unknown }
  | { id: number; kind: 'error'; message: string }
  | { id: number; kind: 'progress'; progress: Progress };
