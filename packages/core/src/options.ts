import { fail } from './errors.js';

/** TensorFlow.js' and NumPy's words for options that PyTorch (and Tessera) name otherwise. */
const SYNONYMS: Record<string, string> = { axis: 'dim', axes: 'dim', keepdims: 'keepdim' };

/**
 * Checks an options object before an op does any work: it must be a plain object whose keys are
 * all in `accepted`. A misspelled key (`requiresgrad`, `keepDim`) is an error naming the op, the
 * key, the likely intended one and every accepted key — never silently ignored.
 */
export function checkOptions(op: string, options: unknown, accepted: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = Array.isArray(options) ? 'an array' : options === null ? 'null' : typeof options;
    fail(op, `expected an options object ({ ${accepted.join(', ')} }), got ${got}`);
  }
  for (const key of Object.keys(options)) {
    if (accepted.includes(key)) continue;
    const plain = key.toLowerCase().replace(/_/g, '');
    const near =
      accepted.find((a) => a.toLowerCase() === plain) ??
      accepted.find((a) => a === SYNONYMS[plain] || `${a.toLowerCase()}s` === plain);
    const hint = near ? ` (did you mean '${near}'?)` : '';
    fail(op, `unknown option '${key}'${hint}; accepted options: ${accepted.join(', ')}`);
  }
}

/** True for a plain options object (as opposed to an axis, an axis list or a tensor). */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
  );
}

/** One axis given as a number or as PyTorch's keyword `{ dim }` (cumsum, softmax, concat, …). */
export function axisArg(
  op: string,
  axis: number | { dim?: number } | undefined,
  fallback?: number,
): number | undefined {
  if (isOptionsObject(axis)) {
    checkOptions(op, axis, ['dim']);
    return (axis as { dim?: number }).dim ?? fallback;
  }
  if (axis !== undefined && typeof axis !== 'number')
    fail(op, `expected an axis or { dim }, got ${Array.isArray(axis) ? 'an array' : typeof axis}`);
  return axis ?? fallback;
}

/** PyTorch's keyword form of one axis. */
export interface DimOption {
  dim?: number;
}
