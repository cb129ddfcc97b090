import { noGrad } from '@tessera/autograd';
import { type Context, fmtShape, isHalf, keep, type Tensor, TesseraError, tidy } from '@tessera/core';

/** Hyperparameters every optimizer has; each group may override them. */
export interface BaseHyper {
  lr: number;
  weightDecay: number;
}

/** A set of parameters with its own hyperparameters (e.g. no weight decay for norms and biases). */
export type ParamGroupSpec<H> = { params: Iterable<Tensor> } & Partial<H>;
export type ParamGroup<H> = H & { params: Tensor[] };

/** Per-parameter state: the update count and named tensors (moments, buffers). */
export interface ParamState {
  step: number;
  tensors: Record<string, Tensor>;
}

/** The serializable state: per-parameter state by position, and each group's hyperparameters. */
export interface OptimizerStateDict<H> {
  state: Record<number, { step: number; tensors: Record<string, Tensor> }>;
  paramGroups: Array<H & { params: number[] }>;
}

/**
 * The shared machinery: parameter groups, per-parameter state, `step()` under `noGrad` and
 * `tidy`, `zeroGrad()`, and state dicts. Subclasses give `update`, which returns the new
 * parameter value; `step()` swaps it into the parameter with `Tensor.assign`, so every holder of
 * the parameter (its Module) sees it, and nothing from the step outlives it.
 */
export abstract class Optimizer<H extends BaseHyper> {
  readonly paramGroups: ParamGroup<H>[];
  protected readonly state = new Map<Tensor, ParamState>();

  constructor(
    protected readonly name: string,
    params: Iterable<Tensor> | Iterable<ParamGroupSpec<H>>,
    readonly defaults: H,
  ) {
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<H>>)];
    const specs: ParamGroupSpec<H>[] =
      list.length > 0 && !isGroup(list[0])
        ? [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>]
        : (list as ParamGroupSpec<H>[]);
    const seen = new Set<Tensor>();
    this.paramGroups = specs.map((spec, gi) => {
      const ps = [...spec.params];
      for (const p of ps) {
        if (!p.requiresGrad) {
          throw new TesseraError(name, `parameter ${fmtShape(p.shape)} in group ${gi} does not require grad`);
        }
        if (seen.has(p))
          throw new TesseraError(name, `parameter ${fmtShape(p.shape)} appears in more than one group`);
        seen.add(p);
      }
      const group = { ...defaults, ...spec, params: ps } as ParamGroup<H>;
      this.validate(group, gi);
      return group;
    });
    if (this.paramGroups.every((g) => g.params.length === 0)) {
      throw new TesseraError(name, 'got no parameters to optimize');
    }
  }

  /** Checks a group's hyperparameters; called at construction and by `addParamGroup`. */
  protected validate(group: ParamGroup<H>, index: number): void {
    if (!(group.lr >= 0))
      throw new TesseraError(this.name, `group ${index}: lr must be ≥ 0, got ${group.lr}`);
    if (!(group.weightDecay >= 0)) {
      throw new TesseraError(this.name, `group ${index}: weightDecay must be ≥ 0, got ${group.weightDecay}`);
    }
  }

  /**
   * The new value of parameter `p` given its gradient; `state` holds this parameter's tensors
   * (created on its first step by `initState`) and `step`, already counting this update.
   * Runs inside `noGrad` and `tidy`: update state tensors with `assign`.
   */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<H>, state: ParamState): Tensor;

  /** The state tensors a parameter starts with (e.g. zero moments). */
  protected abstract initState(p: Tensor, group: ParamGroup<H>): Record<string, Tensor>;

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    const ctx = this.context();
    noGrad(
      () =>
        tidy(() => {
          for (const group of this.paramGroups) {
            for (const p of group.params) {
              const grad = p.grad;
              if (grad === undefined) continue;
              const half = isHalf(p.dtype);
              let st = this.state.get(p);
              if (st === undefined) {
                // A half-precision parameter gets an f32 master copy: the update and the state
                // live in f32, and the parameter receives the rounded result.
                const master = half ? p.cast('f32') : undefined;
                const tensors = this.initState(master ?? p, group);
                if (master) tensors.master = master;
                for (const t of Object.values(tensors)) keep(t);
                st = { step: 0, tensors };
                this.state.set(p, st);
              }
              st.step += 1;
              if (half) {
                const master = st.tensors.master;
                master.assign(this.update(master, grad.cast('f32'), group, st));
                p.assign(master.cast(p.dtype));
              } else {
                p.assign(this.update(p, grad, group, st));
              }
            }
          }
        }, ctx),
      ctx,
    );
  }

  private context(): Context {
    for (const g of this.paramGroups) if (g.params.length > 0) return g.params[0].ctx;
    throw new TesseraError(this.name, 'has no parameters');
  }

  /** Disposes and clears every parameter's gradient. */
  zeroGrad(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = undefined;
      }
    }
  }

  /** Learning rate of the first group (schedules set every group's). */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  /**
   * State by parameter position (counted across groups in order) and the groups'
   * hyperparameters. Tensors are the optimizer's own handles: serialize, don't dispose.
   */
  stateDict(): OptimizerStateDict<H> {
    const state: OptimizerStateDict<H>['state'] = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      const ids = params.map((p) => {
        const st = this.state.get(p);
        if (st !== undefined) state[index] = { step: st.step, tensors: { ...st.tensors } };
        return index++;
      });
      return { ...(hyper as unknown as H), params: ids };
    });
    return { state, paramGroups };
  }

  /** Restores a state dict from `stateDict()` (copies its tensors); checks it all first. */
  loadStateDict(dict: OptimizerStateDict<H>): void {
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new TesseraError(
        `${this.name}.loadStateDict`,
        `expected ${this.paramGroups.length} parameter groups, got ${dict.paramGroups.length}`,
      );
    }
    const flat = this.paramGroups.flatMap((g) => g.params);
    dict.paramGroups.forEach((g, gi) => {
      if (g.params.length !== this.paramGroups[gi].params.length) {
        throw new TesseraError(
          `${this.name}.loadStateDict`,
          `group ${gi} has ${this.paramGroups[gi].params.length} parameters, the state dict ${g.params.length}`,
        );
      }
    });
    for (const [key, st] of Object.entries(dict.state)) {
      const p = flat[Number(key)];
      if (p === undefined)
        throw new TesseraError(`${this.name}.loadStateDict`, `state for unknown parameter ${key}`);
      for (const [name, t] of Object.entries(st.tensors)) {
        if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
          throw new TesseraError(
            `${this.name}.loadStateDict`,
            `state '${name}' of parameter ${key} has shape ${fmtShape(t.shape)}, the parameter ${fmtShape(p.shape)}`,
          );
        }
      }
    }
    for (const old of this.state.values()) for (const t of Object.values(old.tensors)) t.dispose();
    this.state.clear();
    for (const [key, st] of Object.entries(dict.state)) {
      const p = flat[Number(key)];
      const tensors: Record<string, Tensor> = {};
      // A half-precision parameter's state (and master copy) is f32.
      const dtype = isHalf(p.dtype) ? 'f32' : p.dtype;
      for (const [name, t] of Object.entries(st.tensors)) {
        tensors[name] = keep(t.dtype === dtype ? t.clone() : t.cast(dtype));
      }
      this.state.set(p, { step: st.step, tensors });
    }
    dict.paramGroups.forEach((g, gi) => {
      const { params: _ids, ...hyper } = g;
      Object.assign(this.paramGroups[gi], hyper);
    });
  }

  /** Disposes the optimizer's state tensors (not the parameters). */
  dispose(): void {
    for (const st of this.state.values()) for (const t of Object.values(st.tensors)) t.dispose();
    this.state.clear();
  }
}

function isGroup(x: unknown): boolean {
  return typeof x === 'object' && x !== null && 'params' in x && !('shape' in x);
}
