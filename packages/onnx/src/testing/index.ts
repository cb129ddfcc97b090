import { fmtShape, type Tensor, TesseraError } from '@tessera/core';

/** A graph output as onnxruntime returned it. */
export interface OnnxOutput {
  data: number[];
  shape: number[];
}

const ORT_TYPE = { f32: 'float32', f64: 'float64', i32: 'int32', bool: 'bool' } as const;

/**
 * Runs an ONNX model in onnxruntime-node (an optional peer dependency, loaded on first use) on CPU
 * tensors, returning every output's values (as numbers) and shape by output name.
 */
export async function runOnnx(
  model: Uint8Array,
  feeds: Record<string, Tensor>,
): Promise<Record<string, OnnxOutput>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model);
  try {
    const inputs: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const type = ORT_TYPE[t.dtype as keyof typeof ORT_TYPE];
      if (type === undefined)
        throw new TesseraError('runOnnx', `input '${name}' is ${t.dtype}; feed f32, f64, i32 or bool`);
      const data = t.dataSync();
      inputs[name] = new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data, Number) : data, [
        ...t.shape,
      ]);
    }
    const results = await session.run(inputs);
    const out: Record<string, OnnxOutput> = {};
    for (const [name, r] of Object.entries(results)) {
      out[name] = { data: Array.from(r.data as ArrayLike<number | bigint>, Number), shape: [...r.dims] };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** max |a − b| over two equally long arrays (throws if the lengths differ; NaN if any is NaN). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new TesseraError('maxAbsDifference', `lengths differ: ${a.length} vs ${b.length}`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Number.NaN;
    if (d > worst) worst = d;
  }
  return worst;
}

/**
 * The largest difference between onnxruntime's outputs of `model` and Tessera's `expected`
 * tensors (by output name), after checking that the shapes agree.
 */
export async function onnxDifference(
  model: Uint8Array,
  feeds: Record<string, Tensor>,
  expected: Record<string, Tensor>,
): Promise<number> {
  const got = await runOnnx(model, feeds);
  let worst = 0;
  for (const [name, t] of Object.entries(expected)) {
    const out = got[name];
    if (out === undefined) throw new TesseraError('onnxDifference', `the model has no output '${name}'`);
    if (fmtShape(out.shape) !== fmtShape(t.shape)) {
      throw new TesseraError(
        'onnxDifference',
        `output '${name}' is ${fmtShape(out.shape)} in onnxruntime but ${fmtShape(t.shape)} in Tessera`,
      );
    }
    worst = Math.max(worst, maxAbsDifference(out.data, Array.from(t.dataSync(), Number)));
  }
  return worst;
}
