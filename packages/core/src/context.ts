import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import { fail } from './errors.js';
import type { OpDef, OutputSpec } from './op.js';
import { Philox } from './random.js';
import type { Storage } from './storage.js';
import { Tensor } from './tensor.js';

/** One op call as middleware sees it. */
export interface OpCall {
  readonly def: OpDef;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  readonly outputs: readonly OutputSpec[];
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
}

export interface MemoryInfo extends DeviceMemory {
  /** Per device: 'cpu', 'webgpu', … */
  devices: Record<string, DeviceMemory>;
}

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
  /** Debug mode records where each tensor was created and reports leaks of collected handles. */
  debug = false;
  private readonly warned = new Set<string>();
  private readonly leakRegistry = new FinalizationRegistry<string>((site) => {
    if (this.debug)
      console.warn(`tessera: a tensor was garbage-collected without dispose(); created at\n${site}`);
  });
  private nextId = 1;
  private engine: GradientEngine | undefined = undefined;

  constructor(cpu: Backend) {
    this.registerBackend(cpu);
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
      m = { tensors: 0, bytes: 0, peakBytes: 0 };
      this.mem.set(device, m);
    }
    return m;
  }

  /** Called for each new tensor handle. */
  trackTensor(t: Tensor, scoped: boolean): void {
    this.deviceMem(t.device).tensors++;
    if (scoped && this.scopes.length > 0) this.scopes[this.scopes.length - 1].add(t);
    if (this.debug) {
      const site = new Error('created here').stack ?? '(no stack)';
      t.creationSite = site;
      this.leakRegistry.register(t, site, t);
    }
  }

  untrackTensor(t: Tensor): void {
    this.deviceMem(t.device).tensors--;
    for (const s of this.scopes) s.delete(t);
    if (this.debug) this.leakRegistry.unregister(t);
  }

  trackStorage(device: string, s: Storage): void {
    const m = this.deviceMem(device);
    m.bytes += s.bytes;
    if (m.bytes > m.peakBytes) m.peakBytes = m.bytes;
  }

  untrackStorage(device: string, s: Storage): void {
    this.deviceMem(device).bytes -= s.bytes;
  }

  memory(): MemoryInfo {
    const devices: Record<string, DeviceMemory> = {};
    let tensors = 0;
    let bytes = 0;
    let peakBytes = 0;
    for (const [d, m] of this.mem) {
      devices[d] = { ...m };
      tensors += m.tensors;
      bytes += m.bytes;
      peakBytes += m.peakBytes;
    }
    return { tensors, bytes, peakBytes, devices };
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
