import type { Backend } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import type { OpDef, OutputSpec } from './op.js';
import { Philox } from './random.js';
import { creationSite, type Lease, type ReclaimReport } from './reclaim.js';
import type { FreedBy, Storage, StorageShare } from './storage.js';
import { Tensor } from './tensor.js';

/** One op call as middleware sees it. */
export interface OpCall {
  readonly def: OpDef;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  readonly outputs: readonly OutputSpec[];
}

/**
 * An open autocast scope: an op's policy ('lower' ops compute from `dtype`, 'f32' ops from f32,
 * others untouched) and the casts that carry it out (see `ops/autocast.ts`).
 */
export interface AutocastScope {
  readonly dtype: 'f16' | 'bf16';
  policy(def: OpDef): 'lower' | 'f32' | undefined;
  /** The inputs cast for `policy`, and which of them are new handles; undefined when none changes. */
  recast(
    inputs: readonly Tensor[],
    policy: 'lower' | 'f32',
  ): { inputs: Tensor[]; made: Tensor[] } | undefined;
}

/** Wraps op execution, e.g. to record a tape. `next()` runs the op and returns its outputs. */
export type Middleware = (call: OpCall, next: () => Tensor[]) => Tensor[];

/** Options of a backward pass (PyTorch's `loss.backward(gradient, retain_graph, create_graph)`). */
export interface BackwardOptions {
  /** Gradient of the output; required when it has more than one element. */
  gradOutput?: Tensor;
  /** Keep the graph's saved tensors for another backward (default false). */
  retainGraph?: boolean;
  /** Record the backward pass so that the gradients can be differentiated again (default false). */
  createGraph?: boolean;
}

/**
 * What a tensor asks of its context to take part in differentiation: core defines the interface,
 * a package above it (`@tessera/autograd`'s `autogradEngine`) implements it. Installed with
 * `ctx.setGradientEngine(engine)` (or `createContext({ gradientEngine })`, or autograd's
 * `enableAutograd(ctx)`); `tensor(…, { requiresGrad: true })`, `t.backward()` and `t.detach()` use it.
 */
export interface GradientEngine {
  /** Shown in errors, e.g. '@tessera/autograd'. */
  readonly name: string;
  /** Called once when the engine is installed on a context (autograd adds its recording middleware). */
  attach(ctx: Context): void;
  /** Marks a leaf as taking gradients (or not); throws for tensors that cannot. */
  setRequiresGrad(t: Tensor, flag: boolean): void;
  /** Accumulates d t / d leaf into `.grad` of every leaf that requires grad. */
  backward(t: Tensor, options: BackwardOptions): void;
  /** A new handle on the same values with no history. */
  detach(t: Tensor): Tensor;
}

export interface DeviceMemory {
  /** Live tensor handles (views count as handles). */
  tensors: number;
  /** Live storage bytes. */
  bytes: number;
  /** Highest `bytes` seen since the context was made or `resetPeak()`. */
  peakBytes: number;
  /** Handles the garbage collector reclaimed because nobody disposed them. */
  reclaimedTensors: number;
  /** Storage bytes freed because their last handle was reclaimed that way. */
  reclaimedBytes: number;
}

export interface MemoryInfo extends DeviceMemory {
  /** Per device: 'cpu', 'webgpu', … */
  devices: Record<string, DeviceMemory>;
}

/**
 * Releases a collected context's own CPU backend (its worker threads and their shared memory):
 * a context dropped without dispose() must not hold threads for the rest of the process.
 */
const releaseOnCollect = new FinalizationRegistry<Backend>((backend) => backend.dispose?.());

/**
 * All mutable runtime state lives on a Context: backends, the default device, middleware,
 * tidy scopes, memory counters and the random generator. The package creates one default
 * context; tests and embedders can create their own, and tensors remember theirs.
 */
export class Context {
  private readonly backends = new Map<string, Backend>();
  private readonly middleware: Middleware[] = [];
  /** Tensors created in each open tidy scope, innermost last. */
  readonly scopes: Set<Tensor>[] = [];
  private readonly mem = new Map<string, DeviceMemory>();
  /** >0 while a decomposition or a middleware's own work runs: nested ops bypass middleware. */
  suspended = 0;
  defaultDevice = 'cpu';
  readonly rng = new Philox();
  /** Debug mode records where each tensor was created and reports handles collected undisposed. */
  debug = false;
  /** The open autocast scope's dtype policy (see `autocast`), consulted by dispatch; undefined outside one. */
  autocast: AutocastScope | undefined = undefined;
  /**
   * Hears, in debug mode, of each handle the garbage collector reclaimed without dispose().
   * Unset, debug mode warns once per creation site instead.
   */
  onReclaim: ((report: ReclaimReport) => void) | undefined = undefined;
  private readonly warned = new Set<string>();
  /**
   * The safety net for handles dropped without dispose(): once one is collected, its share of
   * the storage is released (freeing the buffer with the last handle) and counted as reclaimed.
   * Cleanups run between tasks, after a collection, never inside a synchronous op.
   */
  private readonly safetyNet = new FinalizationRegistry<Lease>((lease) => this.reclaim(lease));
  /**
   * Whether new handles join the safety net (registering costs about 1–2 µs each). Code that
   * disposes everything through tidy/dispose may turn it off.
   */
  gcSafetyNet = true;
  private nextId = 1;
  /** Allocation limits set on this context, by device (bytes of one buffer). */
  private readonly limits = new Map<string, number>();
  private engine: GradientEngine | undefined = undefined;

  /** `cpu` becomes the context's own: its threads end when the context is garbage-collected. */
  constructor(cpu: Backend) {
    this.registerBackend(cpu);
    releaseOnCollect.register(this, cpu);
  }

  /**
   * The most bytes one buffer on `device` may take: the limit set with `setAllocationLimit`, else
   * the backend's own (the CPU's is a quarter of the memory the process may use; WebGPU's is the device's
   * `maxBufferSize` and `maxStorageBufferBindingSize`), else unlimited.
   */
  allocationLimit(device: string): number {
    return (
      this.limits.get(device) ??
      this.limits.get('*') ??
      this.backends.get(device)?.allocationLimit?.() ??
      Number.POSITIVE_INFINITY
    );
  }

  /** Sets (or, with undefined, resets to the backend's default) the allocation limit of a device. */
  setAllocationLimit(device: string, bytes: number | undefined): void {
    if (bytes === undefined) {
      this.limits.delete(device);
      return;
    }
    if (!(bytes >= 0) || (Number.isFinite(bytes) && !Number.isInteger(bytes)))
      fail(
        'setAllocationLimit',
        `expected a non-negative whole number of bytes for '${device}', got ${bytes}`,
      );
    this.limits.set(device, bytes);
  }

  /**
   * Throws, naming the op, when a tensor of this shape and dtype would not fit the device's
   * allocation limit. Every allocation passes here before any memory is taken.
   */
  checkAllocation(op: string, device: string, shape: readonly number[], dtype: DType): void {
    let n = 1;
    for (const d of shape) n *= d;
    const backend = this.backends.get(device);
    const bytes = backend?.storageBytes ? backend.storageBytes(dtype, n) : n * bytesPerElement(dtype);
    const limit = this.allocationLimit(device);
    if (bytes <= limit && Number.isSafeInteger(bytes)) return;
    fail(
      op,
      `a ${dtype} tensor of shape ${fmtShape(shape)} needs ${formatBytes(bytes)}, over the ${device} allocation limit of ${formatBytes(limit)}; ` +
        'use a smaller shape, or raise the limit with setAllocationLimit(bytes, device) or createContext({ allocationLimit })',
    );
  }

  registerBackend(backend: Backend): void {
    this.backends.set(backend.device, backend);
  }

  hasBackend(device: string): boolean {
    return this.backends.has(device);
  }

  backend(device: string, op = 'device'): Backend {
    const b = this.backends.get(device);
    if (!b) {
      const known = [...this.backends.keys()].join(', ');
      throw new Error(`${op}: no backend for device '${device}' (registered: ${known}); initialize it first`);
    }
    return b;
  }

  devices(): string[] {
    return [...this.backends.keys()];
  }

  /** Adds a middleware; returns a function that removes it. */
  use(mw: Middleware): () => void {
    this.middleware.push(mw);
    return () => {
      const i = this.middleware.indexOf(mw);
      if (i >= 0) this.middleware.splice(i, 1);
    };
  }

  hasMiddleware(mw: Middleware): boolean {
    return this.middleware.includes(mw);
  }

  /** Runs `body` through the middleware chain, outermost first. */
  runMiddleware(call: OpCall, body: () => Tensor[]): Tensor[] {
    if (this.suspended > 0 || this.middleware.length === 0) return body();
    const chain = this.middleware;
    const step = (i: number): Tensor[] => (i === chain.length ? body() : chain[i](call, () => step(i + 1)));
    return step(0);
  }

  /** Runs fn with middleware off (for work that must not be recorded). */
  withoutMiddleware<T>(fn: () => T): T {
    this.suspended++;
    try {
      return fn();
    } finally {
      this.suspended--;
    }
  }

  /** The gradient engine installed on this context, if any. */
  get gradientEngine(): GradientEngine | undefined {
    return this.engine;
  }

  /** Installs a gradient engine (once; installing the same one again does nothing). */
  setGradientEngine(engine: GradientEngine): void {
    if (this.engine === engine) return;
    if (this.engine) {
      fail(
        'setGradientEngine',
        `this context already differentiates with ${this.engine.name}; it cannot switch to ${engine.name} (were two copies of it loaded?)`,
      );
    }
    this.engine = engine;
    engine.attach(this);
  }

  /** The installed gradient engine, or an error that says how to install one. */
  requireGradientEngine(op: string): GradientEngine {
    if (this.engine) return this.engine;
    return fail(
      op,
      "this tensor's context has no gradient engine; call enableAutograd() from @tessera/autograd once " +
        '(enableAutograd(ctx) for a context of your own), or create the context with ' +
        'createContext({ gradientEngine: autogradEngine })',
    );
  }

  newId(): number {
    return this.nextId++;
  }

  /**
   * A handle over a storage of this context. The dispatcher makes its outputs here: the ops
   * below tensor.ts must not import the Tensor class, whose methods call them.
   */
  newTensor<D extends DType>(
    storage: Storage,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
    dtype: D,
  ): Tensor<D> {
    return new Tensor(this, storage, shape, strides, offset, dtype);
  }

  private deviceMem(device: string): DeviceMemory {
    let m = this.mem.get(device);
    if (!m) {
      m = { tensors: 0, bytes: 0, peakBytes: 0, reclaimedTensors: 0, reclaimedBytes: 0 };
      this.mem.set(device, m);
    }
    return m;
  }

  /** Called for each new tensor handle; the lease is what the safety net keeps for it. */
  trackTensor(t: Tensor, share: StorageShare, scoped: boolean): Lease {
    this.deviceMem(t.device).tensors++;
    if (scoped && this.scopes.length > 0) this.scopes[this.scopes.length - 1].add(t);
    const site = this.debug ? creationSite() : undefined;
    const lease: Lease = { share, device: t.device, shape: t.shape, dtype: t.dtype, site };
    if (this.gcSafetyNet) this.safetyNet.register(t, lease, lease);
    return lease;
  }

  /** Called once per handle on dispose(): the safety net lets go of it. */
  untrackTensor(t: Tensor, lease: Lease): void {
    this.deviceMem(t.device).tensors--;
    for (const s of this.scopes) s.delete(t);
    this.safetyNet.unregister(lease);
  }

  /** The safety net's cleanup for one collected handle. */
  private reclaim(lease: Lease): void {
    const m = this.deviceMem(lease.device);
    m.tensors--;
    m.reclaimedTensors++;
    lease.share.release(undefined, 'gc');
    if (lease.site === undefined) return;
    const report: ReclaimReport = {
      device: lease.device,
      shape: lease.shape,
      dtype: lease.dtype,
      site: lease.site,
    };
    if (this.onReclaim) this.onReclaim(report);
    else if (!this.warned.has(`reclaim:${lease.site}`)) {
      this.warned.add(`reclaim:${lease.site}`);
      console.warn(
        `tessera: a ${lease.dtype} tensor of shape [${lease.shape.join(', ')}] on '${lease.device}' was ` +
          `garbage-collected without dispose() (reported once per site); created at\n${lease.site}`,
      );
    }
  }

  trackStorage(device: string, bytes: number): void {
    const m = this.deviceMem(device);
    m.bytes += bytes;
    if (m.bytes > m.peakBytes) m.peakBytes = m.bytes;
  }

  untrackStorage(device: string, bytes: number, by: FreedBy): void {
    const m = this.deviceMem(device);
    m.bytes -= bytes;
    if (by === 'gc') m.reclaimedBytes += bytes;
  }

  memory(): MemoryInfo {
    const devices: Record<string, DeviceMemory> = {};
    let tensors = 0;
    let bytes = 0;
    let peakBytes = 0;
    let reclaimedTensors = 0;
    let reclaimedBytes = 0;
    for (const [d, m] of this.mem) {
      devices[d] = { ...m };
      tensors += m.tensors;
      bytes += m.bytes;
      peakBytes += m.peakBytes;
      reclaimedTensors += m.reclaimedTensors;
      reclaimedBytes += m.reclaimedBytes;
    }
    return { tensors, bytes, peakBytes, reclaimedTensors, reclaimedBytes, devices };
  }

  /** Restarts peak tracking at the current live bytes. */
  resetPeak(): void {
    for (const m of this.mem.values()) m.peakBytes = m.bytes;
  }

  /** Logs a message once per context (e.g. a kernel falling back to the CPU). */
  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    if (this.debug) console.debug(`tessera: ${message}`);
  }
}

/** Bytes as an exact count with a readable size beside it: "40000000000 bytes (37.3 GiB)". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const exact = Number.isSafeInteger(bytes) ? String(bytes) : bytes.toExponential(3);
  return u < 0 ? `${exact} bytes` : `${exact} bytes (${v.toFixed(1)} ${units[u]})`;
}
