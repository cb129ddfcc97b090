import type { Context } from '@tessera/core';
import type { OpNode } from './node.js';
import type { GradRule } from './rule.js';

/** Autograd's per-context state: grad mode, open tapes, and rules registered on the context. */
export interface AutogradState {
  /** >0 inside noGrad (and while backward runs without createGraph). */
  disabled: number;
  /** Nodes recorded inside each open functional grad call, innermost last. */
  readonly tapes: Set<OpNode>[];
  /** Rules another package registered for its own ops on this context. */
  readonly rules: Map<string, GradRule>;
}

const STATES = new WeakMap<Context, AutogradState>();

export function stateOf(ctx: Context): AutogradState {
  let s = STATES.get(ctx);
  if (!s) {
    s = { disabled: 0, tapes: [], rules: new Map() };
    STATES.set(ctx, s);
  }
  return s;
}

/** Runs fn with recording on (`on`) or off, restoring the previous mode after. */
export function withGradMode<T>(ctx: Context, on: boolean, fn: () => T): T {
  const s = stateOf(ctx);
  const before = s.disabled;
  s.disabled = on ? 0 : before + 1;
  try {
    return fn();
  } finally {
    s.disabled = before;
  }
}
