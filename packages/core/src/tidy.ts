import type { Context } from './context.js';
import { TesseraError } from './errors.js';
import { isTensor } from './is-tensor.js';
import type { Tensor } from './tensor.js';

/** Every tensor reachable from a value through arrays, plain objects, Maps and Sets. */
export function collectTensors(value: unknown, into = new Set<Tensor>()): Set<Tensor> {
  if (isTensor(value)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, into);
  else if (value instanceof Set) for (const v of value) collectTensors(v, into);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into);
  }
  return into;
}

/**
 * Runs fn in a new scope: tensors it creates and does not return (or keep) are disposed when it
 * ends, even if it throws. Returned tensors move to the enclosing scope. Synchronous only.
 */
export function runScoped<T>(ctx: Context, fn: () => T): T {
  const scope = new Set<Tensor>();
  ctx.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    ctx.scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  }
  ctx.scopes.pop();
  if (isThenable(result)) {
    for (const t of scope) if (!t.kept) t.dispose();
    // The caller gets this error instead of the promise, so nobody else can handle the promise's
    // own outcome: mark it handled, or its rejection (likely, its tensors are now disposed) would
    // end the process as an unhandled rejection.
    result.then(undefined, () => {});
    throw new TesseraError(
      'tidy',
      'fn returned a Promise, but tidy is synchronous: tensors cannot be tracked across await. Call tidy inside the async function around its synchronous parts, or use `using` declarations / dispose() across await',
    );
  }
  const out = collectTensors(result);
  const parent = ctx.scopes[ctx.scopes.length - 1];
  for (const t of scope) {
    if (out.has(t)) parent?.add(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    (typeof x === 'object' || typeof x === 'function') &&
    x !== null &&
    typeof (x as { then?: unknown }).then === 'function'
  );
}
