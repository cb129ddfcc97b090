import type { AutocastScope, Context } from '../context.js';
import { defaultContext } from '../default-context.js';
import { type DType, isDTypeName, isHalf, resolveDType } from '../dtype.js';
import { fail } from '../errors.js';
import type { OpDef } from '../op.js';
import { type CoreOpName, isCoreOpName } from '../op-names.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { cast } from './copy.js';

/**
 * Core's autocast policy, after PyTorch's: products compute from half inputs (with f32
 * accumulation in every kernel), while reductions, softmax and the exp/log/power family — what
 * norms and losses are made of — compute in f32. Other ops run in their inputs' dtype, promoting
 * as usual when half meets f32.
 */
export const AUTOCAST_POLICY: { readonly [N in CoreOpName]?: 'lower' | 'f32' } = Object.freeze({
  matmul: 'lower',
  conv2d: 'lower',
  sum: 'f32',
  mean: 'f32',
  prod: 'f32',
  var: 'f32',
  std: 'f32',
  norm: 'f32',
  logsumexp: 'f32',
  cumsum: 'f32',
  softmax: 'f32',
  logSoftmax: 'f32',
  exp: 'f32',
  log: 'f32',
  pow: 'f32',
  rsqrt: 'f32',
  reciprocal: 'f32',
});

export interface AutocastOptions {
  /** The half type products compute from (default 'f16'; 'float16' and 'bfloat16' are accepted too). */
  dtype?: 'f16' | 'bf16' | 'float16' | 'half' | 'bfloat16';
  /** The context whose ops are cast (default the default context). */
  context?: Context;
  /** false opens a region with autocast off inside an enclosing one (default true). */
  enabled?: boolean;
}

function policyOf(def: OpDef): 'lower' | 'f32' | undefined {
  return isCoreOpName(def.name) ? AUTOCAST_POLICY[def.name] : def.autocast;
}

/** 'lower' moves f32 and the other half type to the scope's dtype; 'f32' moves half types up. */
function recastFor(dtype: 'f16' | 'bf16'): AutocastScope['recast'] {
  return (inputs, policy) => {
    const target: DType = policy === 'lower' ? dtype : 'f32';
    const moves = (t: Tensor) =>
      t.dtype !== target && (isHalf(t.dtype) || (policy === 'lower' && t.dtype === 'f32'));
    if (!inputs.some(moves)) return undefined;
    const made: Tensor[] = [];
    const out = inputs.map((t) => {
      if (!moves(t)) return t;
      const c = cast(t, target);
      made.push(c);
      return c;
    });
    return { inputs: out, made };
  };
}

/**
 * The tensors cast as an op with this policy would have them inside the open autocast scope of
 * their context (unchanged outside one). For custom ops whose public function checks its inputs
 * before dispatching — attention casts q, k and v together, so that a query from an f32 norm and
 * a value from an f16 product still meet in one dtype.
 */
export function autocastInputs(inputs: readonly Tensor[], policy: 'lower' | 'f32' = 'lower'): Tensor[] {
  const scope = inputs[0]?.ctx.autocast;
  return scope?.recast(inputs, policy)?.inputs ?? [...inputs];
}

/**
 * Automatic mixed precision (PyTorch's `torch.autocast`): runs fn with the context's ops cast by
 * policy — matmul and conv2d (and custom ops that declare `autocast: 'lower'`, such as attention)
 * from `dtype` inputs, reductions, softmax, exp/log/pow/rsqrt from f32. Parameters stay as they
 * are (f32 master weights stay f32; the casts are recorded, so their gradients come back in f32).
 * Call `backward` after the scope. fn must be synchronous.
 */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  checkOptions('autocast', options, ['dtype', 'context', 'enabled']);
  const named: unknown = options.dtype ?? 'f16';
  const dtype = isDTypeName(named) ? resolveDType('autocast', named) : undefined;
  if (dtype !== 'f16' && dtype !== 'bf16')
    fail('autocast', `dtype must be 'f16' or 'bf16', got '${String(named)}'`);
  if (typeof fn !== 'function') fail('autocast', `fn must be a function, got ${typeof fn}`);
  const ctx = options.context ?? defaultContext();
  const before = ctx.autocast;
  const scope: AutocastScope | undefined =
    options.enabled === false ? undefined : { dtype, policy: policyOf, recast: recastFor(dtype) };
  ctx.autocast = scope;
  let result: T;
  try {
    result = fn();
  } finally {
    ctx.autocast = before;
  }
  if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
    fail(
      'autocast',
      'fn returned a Promise; an autocast scope is synchronous (await outside it, or open one per step)',
    );
  }
  return result;
}

/** Whether ops on the context are being autocast now, and to which half type. */
export function autocastDtype(context: Context = defaultContext()): 'f16' | 'bf16' | undefined {
  return context.autocast?.dtype;
}
