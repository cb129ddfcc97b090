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

export interface GptTrainRequest {
  steps: number;
  batch: number;
  lr: number;
  seed: number;
}

export interface GptTrainResult {
  /** Exact-match accuracy of greedy answers on the held-out problems. */
  accuracy: number;
  heldOut: number;
  parameters: number;
  seconds: number;
}

/** One answer token as it is decoded. */
export interface DecodedToken {
  token: string;
  /** Milliseconds this step took (the first includes the prompt's pass). */
  ms: number;
  /** Positions in the KV cache after this step. */
  cached: number;
}

/** Progress of a training request: a step's loss and the throughput so far. */
export interface TrainProgress {
  step: number;
  total: number;
  loss: number;
  /** Samples (MNIST) or tokens (tiny GPT) per second so far. */
  rate: number;
}

/** Requests: method name → [argument, result, progress]. */
export interface Methods {
  init: [{ prefer: 'auto' | 'cpu' }, BackendInfo, never];
  mnistTrain: [MnistTrainRequest, MnistTrainResult, TrainProgress];
  /** 784 pixels in [0, 1], row after row → the ten class probabilities. */
  mnistClassify: [{ pixels: Float32Array }, number[], never];
  gptTrain: [GptTrainRequest, GptTrainResult, TrainProgress];
  /** Greedy answer digits of a + b (least significant first), streamed as progress. */
  gptDecode: [{ a: number; b: number }, { prompt: string; answer: string; sum: number }, DecodedToken];
}
export type Method = keyof Methods;

export type ToWorker = { id: number; method: Method; arg: unknown };
export type FromWorker =
  | { id: number; kind: 'result'; value: unknown }
  | { id: number; kind: 'error'; message: string }
  | { id: number; kind: 'progress'; progress: unknown };
