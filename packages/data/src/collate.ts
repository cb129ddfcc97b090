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

/** What a sample is, as far as collating goes: "a number", "an array of length 2", … */
function describe(x: unknown): string {
  if (isTensor(x)) return 'a tensor';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') return `an object with keys [${Object.keys(x).sort().join(', ')}]`;
  return `a ${typeof x}`;
}

/**
 * `defaultCollate` with errors that call sample i `sample ${index(i)}` (a DataLoader passes the
 * dataset index) and name the field path inside it.
 */
export function collateSamples(
  samples: readonly unknown[],
  context: Context | undefined,
  index: (i: number) => number = (i) => i,
  path = '',
): unknown {
  const first = samples[0];
  const kind = describe(first);
  samples.forEach((s, i) => {
    const k = describe(s);
    if (k !== kind)
      throw new TesseraError(
        'defaultCollate',
        `sample ${index(i)}${path} is ${k}, but sample ${index(0)}${path} is ${kind}`,
      );
  });
  if (isTensor(first)) return stack(samples as Tensor[], 0);
  if (typeof first === 'number') {
    const xs = samples as number[];
    return tensor(xs, { dtype: xs.every(Number.isInteger) ? 'i32' : 'f32', context });
  }
  if (typeof first === 'boolean') return tensor(samples as boolean[], { context });
  if (Array.isArray(first)) {
    return first.map((_, k) =>
      collateSamples(
        samples.map((s) => (s as unknown[])[k]),
        context,
        index,
        `${path}[${k}]`,
      ),
    );
  }
  if (typeof first === 'object' && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collateSamples(
        samples.map((s) => (s as Record<string, unknown>)[key]),
        context,
        index,
        `${path}.${key}`,
      );
    }
    return out;
  }
  throw new TesseraError(
    'defaultCollate',
    `cannot collate samples of type ${typeof first}${path ? ` (at ${path})` : ''}`,
  );
}

/**
 * PyTorch's default_collate: tensors are stacked on a new first axis; numbers become an i32
 * tensor when all are integers, else f32; booleans a bool tensor; arrays and plain objects are
 * collated position by position / key by key. Every sample must have the first one's structure
 * (kinds, array lengths, object keys); an error names the sample and the field that differs.
 */
export function defaultCollate<T>(samples: readonly T[], context?: Context): Collated<T> {
  if (samples.length === 0) throw new TesseraError('defaultCollate', 'cannot collate an empty batch');
  return collateSamples(samples, context) as Collated<T>;
}
