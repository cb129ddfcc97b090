import { type DType, TesseraError } from '@tessera/core';
import {
  ATTRIBUTE_TYPE,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  ONNX_DTYPE,
  type TensorProto,
  type ValueInfoProto,
} from './proto/model-proto.js';

/**
 * An attribute value: a number that is an integer becomes INT, another FLOAT, a number array INTS;
 * `{ float }` and `{ floats }` force FLOAT(S) for integral values (`{ float: 1 }` for an alpha of
 * 1.0); a string becomes STRING.
 */
export type AttributeValue =
  | number
  | readonly number[]
  | string
  | { float: number }
  | { floats: readonly number[] };

/** The ONNX element type of a Tessera dtype. */
export function onnxType(dtype: DType, op = 'exportOnnx'): number {
  switch (dtype) {
    case 'f32':
      return ONNX_DTYPE.FLOAT;
    case 'f64':
      return ONNX_DTYPE.DOUBLE;
    case 'i32':
      return ONNX_DTYPE.INT32;
    case 'bool':
      return ONNX_DTYPE.BOOL;
    default:
      throw new TesseraError(
        op,
        `cannot export ${dtype} tensors; cast the module to f32 first (module.to('f32'))`,
      );
  }
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'string') {
    return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: ATTRIBUTE_TYPE.INT, i: value }
      : { name, type: ATTRIBUTE_TYPE.FLOAT, f: value };
  }
  if ('float' in value) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: [...value.floats] };
  return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...value] };
}

/** Bytes of a typed array (little-endian on every platform JavaScript runs on). */
function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

/** One dimension of a value's type: a size, or the name of a dynamic dimension. */
export type Dimension = { dimValue: number } | { dimParam: string };

export function valueInfo(name: string, dtype: DType, dims: readonly Dimension[]): ValueInfoProto {
  return { name, type: { tensorType: { elemType: onnxType(dtype), shape: { dim: [...dims] } } } };
}

/**
 * An ONNX graph under construction: nodes in execution order and initializers, with fresh value
 * names. Converters of Tessera ops add nodes through it and get back the names of the outputs.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers = new Map<string, TensorProto>();
  private readonly used = new Set<string>();
  /** Small constants by content, so a repeated scalar (an ε, a ½) is one initializer. */
  private readonly constantsByKey = new Map<string, string>();

  /**
   * `shareConstants` (default true): small constants and int64 vectors with equal contents share
   * one initializer. Off when two traces must produce graphs of the same structure.
   */
  constructor(
    readonly opset: number,
    private readonly shareConstants = true,
  ) {}

  /** A value name not used before, from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name chosen outside (graph inputs, outputs, parameter names); throws if taken. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new TesseraError('exportOnnx', `the value name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  /** Appends a node; returns its output names (`outputs` of them). */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttributeValue> = {},
    outputs = 1,
  ): string[] {
    const base = opType.toLowerCase();
    const names = Array.from({ length: outputs }, () => this.fresh(base));
    this.nodes.push({
      name: this.fresh(`${opType}_node`),
      opType,
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** `node` for the common one-output case. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttributeValue> = {}): string {
    return this.node(opType, inputs, attrs, 1)[0];
  }

  /** Makes `value` available under the chosen name `name` (an Identity node), e.g. a graph output. */
  alias(value: string, name: string): void {
    this.nodes.push({
      name: this.fresh('Identity_node'),
      opType: 'Identity',
      input: [value],
      output: [name],
      attribute: [],
    });
  }

  /** Adds an initializer under `name` (already reserved or fresh) holding `values`. */
  initializer(name: string, dtype: DType, shape: readonly number[], values: ArrayBufferView): string {
    this.initializers.set(name, {
      name,
      dims: [...shape],
      dataType: onnxType(dtype),
      rawData: bytesOf(values),
    });
    return name;
  }

  /** A constant tensor; small ones with equal contents share one initializer. */
  constant(dtype: DType, shape: readonly number[], values: ArrayLike<number>, base = 'const'): string {
    const data = typedArray(dtype, values);
    const key =
      this.shareConstants && data.length <= 64
        ? `${dtype}|${shape.join(',')}|${Array.from(data).join(',')}`
        : undefined;
    const known = key === undefined ? undefined : this.constantsByKey.get(key);
    if (known !== undefined) return known;
    const name = this.initializer(this.fresh(base), dtype, shape, data);
    if (key !== undefined) this.constantsByKey.set(key, name);
    return name;
  }

  /** A 1-D int64 constant: the shapes, axes and indices ONNX ops take as inputs. */
  int64s(values: readonly number[]): string {
    const key = this.shareConstants ? `i64|${values.join(',')}` : undefined;
    const known = key === undefined ? undefined : this.constantsByKey.get(key);
    if (known !== undefined) return known;
    const name = this.fresh('ints');
    this.initializers.set(name, {
      name,
      dims: [values.length],
      dataType: ONNX_DTYPE.INT64,
      rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))),
    });
    if (key !== undefined) this.constantsByKey.set(key, name);
    return name;
  }

  /**
   * Runs `build` and moves the nodes it added to the front of the graph: for values computed from
   * the graph inputs' shapes alone, which every later node may read.
   */
  prepend(build: () => void): void {
    const start = this.nodes.length;
    build();
    const added = this.nodes.splice(start);
    this.nodes.unshift(...added);
  }

  /** A 0-d constant of `dtype`. */
  scalar(value: number, dtype: DType): string {
    return this.constant(dtype, [], [value], 'scalar');
  }

  /**
   * The graph with only the nodes and initializers the outputs depend on (a traced forward can
   * compute values no output reads, such as a branch's unused statistics).
   */
  build(name: string, inputs: ValueInfoProto[], outputs: ValueInfoProto[]): GraphProto {
    const needed = new Set(outputs.map((o) => o.name));
    const kept: NodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!n.output.some((o) => needed.has(o))) continue;
      kept.push(n);
      for (const x of n.input) if (x !== '') needed.add(x);
    }
    kept.reverse();
    const initializer = [...this.initializers.values()].filter((t) => needed.has(t.name));
    return { name, node: kept, initializer, input: inputs, output: outputs };
  }
}

function typedArray(dtype: DType, values: ArrayLike<number>): ArrayBufferView & ArrayLike<number> {
  onnxType(dtype); // throws for a dtype the export does not write
  switch (dtype) {
    case 'f32':
      return Float32Array.from(values);
    case 'f64':
      return Float64Array.from(values);
    case 'i32':
      return Int32Array.from(values);
    default:
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}
