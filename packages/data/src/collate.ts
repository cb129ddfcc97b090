import { type Context, stack, type Tensor, TesseraError, tensor } from '@tessera/core';

/** A batch built from samples: tensors stacked, numbers into a tensor, arrays and objects by field. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends readonly unknown[]
      ? { [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : never;

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && 'storageFor' in x;
}

/**
 * PyTorch's default_collate: tensors are stacked on a new first axis; numbers become an i32
 * tensor when all are integers, else f32; booleans a bool tensor; arrays and plain objects are
 * collated position by position / key by key.
 */
export function defaultCollate<T>(samples: readonly T[], context?: Context): Collated<T> {
  if (samples.length === 0) throw new TesseraError('defaultCollate', 'cannot collate an empty batch');
  const first = samples[0] as unknown;
  if (isTensor(first)) return stack(samples as unknown as Tensor[], 0) as Collated<T>;
  if (typeof first === 'number') {
    const xs = samples as unknown as number[];
    const dtype = xs.every(Number.isInteger) ? 'i32' : 'f32';
    return tensor(xs, { dtype, context }) as Collated<T>;
  }
  if (typeof first === 'boolean') return tensor(samples as unknown as boolean[], { context }) as Collated<T>;
  if (Array.isArray(first)) {
    return first.map((_, k) =>
      defaultCollate(
        (samples as unknown as unknown[][]).map((s) => s[k]),
        context,
      ),
    ) as unknown as Collated<T>;
  }
  if (typeof first === 'object' && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = defaultCollate(
        (samples as unknown as Record<string, unknown>[]).map((s) => s[key]),
        context,
      );
    }
    return out as Collated<T>;
  }
  throw new TesseraError('defaultCollate', `cannot collate samples of type ${typeof first}`);
}
