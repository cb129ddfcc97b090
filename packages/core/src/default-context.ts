/**
 * The default context, made on first use, and the functions that act on it or on a context given
 * as their last argument: seeding, backends, the default device, memory, debug mode, tidy scopes.
 */
import type { Backend } from './backend.js';
import { Context, type GradientEngine, type MemoryInfo, type Middleware } from './context.js';
import { CpuBackend } from './cpu/backend.js';
import type { CpuOptions } from './cpu/options.js';
import { fail } from './errors.js';
import { checkOptions } from './options.js';
import type { RngState } from './random.js';
import type { ReclaimReport } from './reclaim.js';
import type { Tensor } from './tensor.js';
import { collectTensors, runScoped } from './tidy.js';

export interface ContextOptions {
  /** Options of the context's CPU backend: threads, WebAssembly SIMD. */
  cpu?: CpuOptions;
  /**
   * The most bytes one tensor's buffer may take, for every device (a number) or by device
   * (`{ cpu: 2 ** 30 }`); ops that would allocate more throw before allocating. Default: the
   * backend's (the CPU: a quarter of the memory the process may use; WebGPU: the device's buffer limits).
   */
  allocationLimit?: number | Readonly<Record<string, number>>;
  /**
   * Debug mode: records each tensor's creation stack and reports every tensor the garbage
   * collector reclaimed without dispose() (see `onReclaim`). Costs a stack trace per tensor.
   */
  debug?: boolean;
  /** In debug mode, hears of each reclaimed tensor; unset, a warning is logged once per site. */
  onReclaim?: (report: ReclaimReport) => void;
  /**
   * Whether tensors collected without dispose() release their storage (default true). Turning it
   * off saves the registration (about 1–2 µs per tensor) in code that disposes everything itself.
   */
  gcSafetyNet?: boolean;
  /**
   * The gradient engine tensors of this context use for `requiresGrad`, `backward()` and
   * `detach()`: `autogradEngine` from @tessera/autograd.
   */
  gradientEngine?: GradientEngine;
}

/** A fresh context with its own CPU backend, RNG, scopes and counters. */
export function createContext(options: ContextOptions = {}): Context {
  checkOptions('createContext', options, [
    'cpu',
    'allocationLimit',
    'debug',
    'onReclaim',
    'gcSafetyNet',
    'gradientEngine',
  ]);
  const ctx = new Context(new CpuBackend(options.cpu));
  const limit = options.allocationLimit;
  if (typeof limit === 'number') ctx.setAllocationLimit('*', limit);
  else if (limit !== undefined) for (const [d, b] of Object.entries(limit)) ctx.setAllocationLimit(d, b);
  ctx.debug = options.debug ?? false;
  ctx.onReclaim = options.onReclaim;
  ctx.gcSafetyNet = options.gcSafetyNet ?? true;
  if (options.gradientEngine) ctx.setGradientEngine(options.gradientEngine);
  return ctx;
}

let fallback: Context | undefined;

/**
 * The context that creation functions use when given none, made on first use (so that
 * importing the package does no work).
 */
export function defaultContext(): Context {
  fallback ??= createContext();
  return fallback;
}

/** Seeds the default context's generator (or the given context's). */
export function manualSeed(seed: number, ctx: Context = defaultContext()): void {
  ctx.rng.seed(seed);
}

/** The position of a context's random stream, to replay it later with `setRngState`. */
export function getRngState(ctx: Context = defaultContext()): RngState {
  return ctx.rng.getState();
}

/** Rewinds (or advances) a context's random stream to a state from `getRngState`. */
export function setRngState(state: RngState, ctx: Context = defaultContext()): void {
  ctx.rng.setState(state);
}

export function registerBackend(backend: Backend, ctx: Context = defaultContext()): void {
  ctx.registerBackend(backend);
}

/** Device that creation functions use when no device is given. */
export function setDefaultDevice(device: string, ctx: Context = defaultContext()): void {
  ctx.backend(device, 'setDefaultDevice');
  ctx.defaultDevice = device;
}

export function getDefaultDevice(ctx: Context = defaultContext()): string {
  return ctx.defaultDevice;
}

/**
 * Live tensors, live bytes and the peak, in total and per device, and what the garbage
 * collector reclaimed from tensors nobody disposed (`reclaimedTensors`, `reclaimedBytes`).
 */
export function memory(ctx: Context = defaultContext()): MemoryInfo {
  return ctx.memory();
}

export function resetPeakMemory(ctx: Context = defaultContext()): void {
  ctx.resetPeak();
}

/**
 * Sets the most bytes one tensor's buffer on `device` may take in this context (undefined: back
 * to the backend's default). Ops that would allocate more throw, naming the op, before allocating.
 */
export function setAllocationLimit(
  bytes: number | undefined,
  device = 'cpu',
  ctx: Context = defaultContext(),
): void {
  ctx.setAllocationLimit(device, bytes);
}

/** Debug mode records each tensor's creation site and reports handles collected undisposed. */
export function setDebug(on: boolean, ctx: Context = defaultContext()): void {
  ctx.debug = on;
}

/** Adds op middleware (autograd uses this); returns its remover. */
export function useMiddleware(mw: Middleware, ctx: Context = defaultContext()): () => void {
  return ctx.use(mw);
}

/**
 * Runs fn and disposes every tensor it created except those it returns or keep()s, like
 * TensorFlow.js's tidy. Synchronous; across `await`, use `using` declarations instead.
 */
export function tidy<T>(fn: () => T, ctx: Context = defaultContext()): T {
  if (typeof fn !== 'function') fail('tidy', `expected a function, got ${typeof fn}`);
  // An async function is refused before it runs: its tensors would outlive the scope.
  if (Object.prototype.toString.call(fn) === '[object AsyncFunction]') {
    fail(
      'tidy',
      'fn is an async function, but tidy is synchronous: tensors cannot be tracked across await. Call tidy inside the async function around its synchronous parts, or use `using` declarations / dispose() across await',
    );
  }
  return runScoped(ctx, fn);
}

/** Exempts tensors from the enclosing tidy scopes. Returns its argument. */
export function keep<T extends Tensor>(t: T): T {
  t.storageFor('keep');
  t.kept = true;
  for (const s of t.ctx.scopes) s.delete(t);
  return t;
}

/** Disposes every tensor found in a value (a tensor, array, object, Map or Set). */
export function dispose(value: unknown): void {
  for (const t of collectTensors(value)) t.dispose();
}
