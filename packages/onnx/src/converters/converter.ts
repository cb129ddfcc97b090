import type { OpCall } from '@tessera/core';
import type { GraphBuilder } from '../graph-builder.js';

/** What a converter gets: the graph, the ONNX names of the op's inputs, and the traced call. */
export interface ConvertCall<A> {
  g: GraphBuilder;
  /** ONNX value names of the op's inputs, in order. */
  inputs: readonly string[];
  attrs: A;
  /** The op call as traced: input tensors (shapes, dtypes) and the inferred outputs. */
  call: OpCall;
}

/**
 * Writes one traced op as ONNX nodes; returns the names of the values that hold the op's outputs,
 * one per output (a converter may leave an output it cannot produce as '' if nothing reads it).
 */
// biome-ignore lint/suspicious/noExplicitAny: a table holds converters of every op's attribute type.
export type Converter<A = any> = (c: ConvertCall<A>) => string[];
