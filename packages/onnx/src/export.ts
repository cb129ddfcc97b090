import { noGrad } from '@tessera/autograd';
import {
  type Context,
  type DType,
  defaultContext,
  type Middleware,
  Tensor,
  TesseraError,
  tidy,
  zeros,
} from '@tessera/core';
import type { Module } from '@tessera/nn';
import { type Converter, converterOf } from './converters/index.js';
import { dimension, dynamicDims, mergeTraces } from './dynamic-dims.js';
import { type Dimension, GraphBuilder, onnxType, valueInfo } from './graph-builder.js';
import { encodeModel, type ModelProto } from './proto/model-proto.js';

const OP = 'exportOnnx';

/** The opsets the exporter writes (the reductions changed form at 18; nothing it emits changed after). */
export const SUPPORTED_OPSETS = [17, 18, 19, 20, 21] as const;

/** IR version that goes with each opset (ONNX's versioning table). */
const IR_VERSION: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

export interface OnnxInputSpec {
  /** The graph input's name. */
  name: string;
  /**
   * Its shape. A number is a fixed size; a string names a dynamic dimension (ONNX `dim_param`),
   * such as `['batch', 1, 28, 28]`: the graph then takes any size there (see the README).
   */
  shape: readonly (number | string)[];
  /** Default 'f32'; token ids are 'i32'. */
  dtype?: 'f32' | 'f64' | 'i32' | 'bool';
}

export interface ExportOnnxOptions {
  /** One spec per argument of the forward, in order. */
  inputs: readonly OnnxInputSpec[];
  /** Names of the graph outputs (default 'output', or 'output0', 'output1', … for several). */
  outputNames?: readonly string[];
  /** ONNX opset of the default domain, 17 to 21 (default 17). */
  opset?: number;
  /**
   * What to trace (default `module.forward(...inputs)`): e.g. `(tokens) => decoder.forward(tokens,
   * { positions })`. Returns one tensor or an array of them.
   */
  forward?: (...inputs: Tensor[]) => Tensor | readonly Tensor[];
  /** The graph's name (default the module's class name). */
  graphName?: string;
  /** Where to make the traced inputs when the module has no parameters or buffers (default: the default context). */
  context?: Context;
  /** Converters for ops of other packages, by op name (they take precedence over the built-in ones). */
  converters?: ReadonlyMap<string, Converter>;
}

const OPTION_KEYS = ['inputs', 'outputNames', 'opset', 'forward', 'graphName', 'context', 'converters'];

function checkOptions(options: ExportOnnxOptions): void {
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new TesseraError(
      OP,
      `unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; the options are ${OPTION_KEYS.join(', ')}`,
    );
  }
  const opset = options.opset ?? 17;
  if (!(SUPPORTED_OPSETS as readonly number[]).includes(opset)) {
    throw new TesseraError(OP, `opset must be one of ${SUPPORTED_OPSETS.join(', ')}, got ${opset}`);
  }
  if (!Array.isArray(options.inputs) || options.inputs.length === 0) {
    throw new TesseraError(OP, 'inputs must list at least one { name, shape, dtype } for the forward');
  }
  const names = [...options.inputs.map((i) => i.name), ...(options.outputNames ?? [])];
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new TesseraError(OP, `the input/output name '${twice}' is used twice`);
  for (const input of options.inputs) {
    if (typeof input.name !== 'string' || input.name === '') {
      throw new TesseraError(OP, `every input needs a non-empty name, got ${JSON.stringify(input.name)}`);
    }
    if (
      !input.shape.every((d: number | string) =>
        typeof d === 'string' ? d !== '' : Number.isInteger(d) && d > 0,
      )
    ) {
      throw new TesseraError(
        OP,
        `input '${input.name}' needs a shape of positive integers and dimension names, got [${input.shape.join(', ')}]`,
      );
    }
    const dtype = input.dtype ?? 'f32';
    if (!['f32', 'f64', 'i32', 'bool'].includes(dtype)) {
      throw new TesseraError(
        OP,
        `input '${input.name}' has dtype '${dtype}'; use 'f32', 'f64', 'i32' or 'bool'`,
      );
    }
  }
}

/** The context the module's tensors live in, checking that they are all on the CPU. */
function moduleContext(module: Module, fallback: Context | undefined): Context {
  const state = [...module.stateDict()];
  const elsewhere = state.find(([, t]) => t.device !== 'cpu');
  if (elsewhere) {
    throw new TesseraError(
      OP,
      `'${elsewhere[0]}' is on '${elsewhere[1].device}'; the export traces on the CPU, so move the module there first (module.to('cpu'))`,
    );
  }
  const bad = state.find(([, t]) => t.dtype === 'f16' || t.dtype === 'bf16');
  if (bad) {
    throw new TesseraError(
      OP,
      `'${bad[0]}' is ${bad[1].dtype}; export an f32 copy of the module (module.to('f32')) instead`,
    );
  }
  return state[0]?.[1].ctx ?? fallback ?? defaultContext();
}

interface TracedOutput {
  name: string;
  dtype: DType;
  shape: number[];
}

/** One trace of the forward on zero inputs of the given concrete shapes, into a new graph. */
function traceOnce(
  module: Module,
  options: ExportOnnxOptions,
  ctx: Context,
  shapes: readonly number[][],
  shareConstants: boolean,
): { g: GraphBuilder; results: TracedOutput[] } {
  const g = new GraphBuilder(options.opset ?? 17, shareConstants);
  for (const input of options.inputs) g.reserve(input.name);
  for (const name of options.outputNames ?? []) g.reserve(name);
  // Parameters and buffers become initializers under their state-dict names (the first name of a
  // tensor registered twice, e.g. a tied embedding).
  const stateNames = new Map<Tensor, string>();
  for (const [name, t] of module.stateDict()) {
    g.reserve(name);
    if (!stateNames.has(t)) stateNames.set(t, name);
  }
  const names = new Map<Tensor, string>();
  const unconverted = new Map<Tensor, string>();

  /** The ONNX value of a tensor an op reads: traced, an input, a parameter, or a new constant. */
  const nameOf = (t: Tensor): string => {
    const known = names.get(t);
    if (known !== undefined) return known;
    const op = unconverted.get(t);
    if (op !== undefined) {
      throw new TesseraError(
        OP,
        `the forward uses op '${op}', which has no ONNX converter; pass one in options.converters`,
      );
    }
    onnxType(t.dtype, OP);
    const data = ctx.withoutMiddleware(() => t.dataSync());
    const state = stateNames.get(t);
    const name =
      state !== undefined
        ? g.initializer(state, t.dtype, t.shape, data as ArrayBufferView)
        : g.constant(t.dtype, t.shape, data as ArrayLike<number>);
    names.set(t, name);
    return name;
  };

  const record: Middleware = (call, next) => {
    const inputs = call.inputs.map(nameOf);
    const outputs = next();
    const convert = converterOf(call.def.name, options.converters);
    if (convert === undefined) {
      for (const t of outputs) unconverted.set(t, call.def.name);
      return outputs;
    }
    const converted = convert({ g, inputs, attrs: call.attrs, call });
    outputs.forEach((t, i) => {
      if (converted[i]) names.set(t, converted[i]);
      else unconverted.set(t, call.def.name);
    });
    return outputs;
  };

  const modes = module.namedModules().map(([, m]) => [m, m.training] as const);
  const traced = options.inputs.map((spec, i) =>
    zeros(shapes[i], { dtype: spec.dtype ?? 'f32', context: ctx }),
  );
  for (const [i, t] of traced.entries()) names.set(t, options.inputs[i].name);
  module.eval();
  const stop = ctx.use(record);
  try {
    const results = noGrad(
      () =>
        tidy(() => {
          const run =
            options.forward ?? ((...xs: Tensor[]) => (module.forward as (...a: Tensor[]) => unknown)(...xs));
          const out = run(...traced);
          const list: unknown[] = out instanceof Tensor ? [out] : Array.isArray(out) ? out : [];
          if (list.length === 0 || !list.every((t) => t instanceof Tensor)) {
            throw new TesseraError(OP, 'the forward must return a Tensor or an array of Tensors');
          }
          return (list as Tensor[]).map((t) => ({ name: nameOf(t), dtype: t.dtype, shape: [...t.shape] }));
        }, ctx),
      ctx,
    );
    return { g, results };
  } finally {
    stop();
    for (const [m, training] of modes) m.training = training;
    for (const t of traced) t.dispose();
  }
}

/**
 * Traces `module`'s forward on inputs of the given shapes and returns the ONNX model as plain
 * objects (see `exportOnnx`, which serializes it). With dynamic dimensions it traces twice, at two
 * sizes of each, and rebuilds the shape constants that differ from the inputs' runtime shapes.
 */
export function traceOnnx(module: Module, options: ExportOnnxOptions): ModelProto {
  checkOptions(options);
  const opset = options.opset ?? 17;
  const ctx = moduleContext(module, options.context);
  const dims = dynamicDims(options.inputs);
  const shapesAt = (k: 0 | 1) =>
    options.inputs.map((spec) =>
      spec.shape.map((d) => (typeof d === 'number' ? d : dims.find((x) => x.name === d)!.sizes[k])),
    );
  const { g, results } = traceOnce(module, options, ctx, shapesAt(0), dims.length === 0);
  // The output shapes as ONNX dimensions: fixed, or named when they follow a dynamic dim.
  let outputDims = results.map((r) => r.shape.map((d): Dimension => ({ dimValue: d })));
  if (dims.length > 0) {
    const second = traceOnce(module, options, ctx, shapesAt(1), false);
    mergeTraces(g, second.g, dims);
    outputDims = results.map((r, i) => r.shape.map((d, j) => dimension(d, second.results[i].shape[j], dims)));
  }
  const outputNames =
    options.outputNames ?? (results.length === 1 ? ['output'] : results.map((_, i) => `output${i}`));
  if (outputNames.length !== results.length) {
    throw new TesseraError(
      OP,
      `the forward returned ${results.length} tensors but outputNames lists ${outputNames.length}`,
    );
  }
  const outputs = results.map((r, i) => {
    const name = options.outputNames ? outputNames[i] : g.fresh(outputNames[i]);
    g.alias(r.name, name);
    return valueInfo(name, r.dtype, outputDims[i]);
  });
  const inputs = options.inputs.map((spec) =>
    valueInfo(
      spec.name,
      spec.dtype ?? 'f32',
      spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    ),
  );
  return {
    irVersion: IR_VERSION[opset],
    opsetImport: [{ domain: '', version: opset }],
    producerName: '@tessera/onnx',
    producerVersion: '0.1.0',
    graph: g.build(options.graphName ?? module.constructor.name, inputs, outputs),
  };
}

/**
 * The ONNX model (`.onnx` file bytes) of `module`'s forward, traced once on inputs of the given
 * names, shapes and dtypes: every op the forward dispatches becomes ONNX nodes, parameters and
 * buffers become initializers under their state-dict names, other tensors the forward makes
 * (rotary tables, scalars) become constants. The module runs in eval mode for the trace and gets
 * its modes back. Shapes are fixed at the traced ones, except the dimensions an input names.
 */
export function exportOnnx(module: Module, options: ExportOnnxOptions): Uint8Array {
  return encodeModel(traceOnnx(module, options));
}
