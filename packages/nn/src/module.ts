import { noGrad, requiresGrad } from '@tessera/autograd';
import {
  type Context,
  DTYPES,
  type DType,
  fmtShape,
  isFloat,
  keep,
  type Tensor,
  TesseraError,
} from '@tessera/core';

/** Where a layer's tensors are made: dtype, device and context (default: core's defaults). */
export interface ModuleOptions {
  dtype?: 'f32' | 'f64' | 'f16' | 'bf16';
  device?: string;
  context?: Context;
}

export interface LoadStateDictOptions {
  /** Reject missing and unexpected keys (default true). Shapes must always match. */
  strict?: boolean;
}

/**
 * The base of every layer. Parameters, buffers and children are registered explicitly, by
 * name, in the constructor:
 *
 * ```ts
 * this.fc1 = this.register('fc1', new Linear(784, 256));
 * this.weight = this.registerParameter('weight', randn([4, 4]));
 * ```
 *
 * Registration (rather than walking class fields) keeps the order of `parameters()` fixed and
 * the names explicit. Parameters are kept tensors with `requiresGrad`; optimizers update them
 * in place with `Tensor.assign`, so the handles stored in fields stay current. `to()` builds
 * new tensors and rebinds every own field that held the old handle.
 */
export abstract class Module {
  /** Training mode (dropout active, batch statistics); `eval()` turns it off. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /**
   * The layer's computation. Subclasses narrow the arguments (`forward(x: Tensor): Tensor`);
   * call it directly.
   */
  abstract forward(...args: never[]): unknown;

  /** Registers a parameter: keeps it (tidy leaves it alone) and marks it `requiresGrad`. */
  registerParameter(name: string, t: Tensor): Tensor {
    this.checkName('registerParameter', name);
    if (!isFloat(t.dtype)) {
      throw new TesseraError(
        'registerParameter',
        `parameter '${name}' must be floating, got ${t.dtype} ${fmtShape(t.shape)}`,
      );
    }
    keep(t);
    requiresGrad(t);
    this.params.set(name, t);
    return t;
  }

  /** Registers state that is saved and moved with the module but not trained (running stats). */
  registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName('registerBuffer', name);
    keep(t);
    this.buffers.set(name, t);
    return t;
  }

  /** Registers a child module under `name`; its parameters appear as `name.…`. */
  register<M extends Module>(name: string, child: M): M {
    this.checkName('register', name);
    if (!(child instanceof Module)) {
      throw new TesseraError('register', `child '${name}' is not a Module`);
    }
    this.children.set(name, child);
    return child;
  }

  /**
   * Earlier state-dict names of this module's own parameters and buffers, old → current:
   * `loadStateDict` reads a value under its old name when the current one is absent, so
   * checkpoints written before a rename keep loading. Layers that renamed state override it.
   */
  protected legacyStateNames(): Readonly<Record<string, string>> {
    return {};
  }

  /**
   * Own buffers a state dict may lack even under `strict` (they keep their current value), as
   * PyTorch lets a BatchNorm checkpoint without `num_batches_tracked` load.
   */
  protected optionalStateNames(): readonly string[] {
    return [];
  }

  private checkName(op: string, name: string): void {
    if (name === '' || name.includes('.')) {
      throw new TesseraError(op, `name '${name}' must be non-empty and contain no '.'`);
    }
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new TesseraError(op, `'${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every descendant with their dotted paths ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) {
      out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    }
    return out;
  }

  /** Every parameter with its dotted name, this module's first, then each child's. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of m.params) out.push([path === '' ? name : `${path}.${name}`, p]);
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [name, b] of m.buffers) out.push([path === '' ? name : `${path}.${name}`, b]);
    }
    return out;
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and buffers by dotted name. The values are the module's own handles (like
   * PyTorch's state_dict), not copies: serialize them, don't dispose them.
   */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values from `dict` into the parameters and buffers (cast to their dtype, moved to
   * their device). All keys and shapes are checked before anything is written. A key under a
   * layer's earlier name (`runningMean` for BatchNorm's `running_mean`) is read as the current one.
   */
  loadStateDict(
    dict: Map<string, Tensor> | Record<string, Tensor>,
    options: LoadStateDictOptions = {},
  ): void {
    const strict = options.strict ?? true;
    const given = new Map(dict instanceof Map ? dict : Object.entries(dict));
    const optional = new Set<string>();
    for (const [path, m] of this.namedModules()) {
      const key = (name: string) => (path === '' ? name : `${path}.${name}`);
      for (const [old, current] of Object.entries(m.legacyStateNames())) {
        const value = given.get(key(old));
        if (value !== undefined && !given.has(key(current))) {
          given.delete(key(old));
          given.set(key(current), value);
        }
      }
      for (const name of m.optionalStateNames()) optional.add(key(name));
    }
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !given.has(k) && !optional.has(k));
    const unexpected = [...given.keys()].filter((k) => !own.has(k));
    const misShaped = [...own]
      .filter(([k, t]) => {
        const g = given.get(k);
        return (
          g !== undefined && (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i]))
        );
      })
      .map(([k, t]) => `'${k}': expected ${fmtShape(t.shape)}, got ${fmtShape(given.get(k)!.shape)}`);
    const problems: string[] = [];
    if (strict && missing.length > 0)
      problems.push(`missing keys ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpected.length > 0) {
      problems.push(`unexpected keys ${unexpected.map((k) => `'${k}'`).join(', ')}`);
    }
    if (misShaped.length > 0) problems.push(`shape mismatch for ${misShaped.join('; ')}`);
    if (problems.length > 0) {
      throw new TesseraError('loadStateDict', `${this.constructor.name}: ${problems.join('; ')}`);
    }
    for (const [k, t] of own) {
      const g = given.get(k);
      if (g === undefined) continue;
      let src = g.device === t.device ? g : g.to(t.device);
      if (src.dtype !== t.dtype) {
        const cast = src.cast(t.dtype);
        if (src !== g) src.dispose();
        src = cast;
      }
      t.assign(src);
      if (src !== g) src.dispose();
    }
  }

  /**
   * Moves every parameter and buffer to a device, or casts the floating ones to a dtype. New
   * tensors replace the old ones (which are disposed), also in this module's own fields.
   */
  to(target: string): this {
    const dtypeTarget = (DTYPES as readonly string[]).includes(target);
    if (dtypeTarget && !isFloat(target as DType)) {
      throw new TesseraError('Module.to', `can only cast parameters to a floating dtype, got '${target}'`);
    }
    for (const [, m] of this.namedModules()) {
      for (const table of [m.params, m.buffers]) {
        for (const [name, old] of table) {
          if (dtypeTarget && (!isFloat(old.dtype) || old.dtype === target)) continue;
          // Unrecorded: the moved parameter must be a new leaf, not a node whose gradient flows back
          // to the disposed original (its .grad would stay empty, and a GPU → CPU vjp cannot run).
          const next = keep(noGrad(() => old.to(target), old.ctx));
          if (table === m.params) requiresGrad(next);
          table.set(name, next);
          m.rebindFields(old, next);
          old.grad?.dispose();
          old.dispose();
        }
      }
    }
    return this;
  }

  /** Points own fields that held `old` at `next` (layers keep their parameters in fields). */
  private rebindFields(old: Tensor, next: Tensor): void {
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (fields[key] === old) fields[key] = next;
  }

  /** Disposes every parameter, gradient and buffer of this module and its descendants. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const p of m.params.values()) {
        p.grad?.dispose();
        p.grad = undefined;
        p.dispose();
      }
      for (const b of m.buffers.values()) b.dispose();
    }
  }
}
