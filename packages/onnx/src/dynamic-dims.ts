import { fmtShape, TesseraError } from '@tessera/core';
import type { GraphBuilder } from './graph-builder.js';
import { ONNX_DTYPE, type TensorProto } from './proto/model-proto.js';

/** A named (dynamic) dimension of the graph inputs and the two sizes it is traced at. */
export interface DynamicDim {
  name: string;
  /** The first graph input that has it, and the axis there. */
  input: string;
  axis: number;
  sizes: readonly [number, number];
}

/**
 * Sizes of the two traces, per dynamic dimension: distinct primes, so that an entry of a shape
 * vector that is c·(product of some dims) is recognized from its two traced values.
 */
const TRACE_SIZES: readonly (readonly [number, number])[] = [
  [2, 3],
  [5, 7],
  [11, 13],
  [17, 19],
];

/** The dynamic dims of input shapes such as ['batch', 1, 28, 28]. */
export function dynamicDims(
  inputs: readonly { name: string; shape: readonly (number | string)[] }[],
): DynamicDim[] {
  const dims: DynamicDim[] = [];
  for (const input of inputs) {
    input.shape.forEach((d, axis) => {
      if (typeof d !== 'string' || dims.some((x) => x.name === d)) return;
      if (dims.length === TRACE_SIZES.length) {
        throw new TesseraError(
          'exportOnnx',
          `at most ${TRACE_SIZES.length} dynamic dimensions, got another: '${d}'`,
        );
      }
      dims.push({ name: d, input: input.name, axis, sizes: TRACE_SIZES[dims.length] });
    });
  }
  return dims;
}

/** A value of the two traces as c·Π dims (the smallest such set of dims), or undefined. */
export function solveEntry(
  a: number,
  b: number,
  dims: readonly DynamicDim[],
): { c: number; dims: DynamicDim[] } | undefined {
  const subsets = Array.from({ length: 2 ** dims.length }, (_, mask) =>
    dims.filter((_, i) => mask & (1 << i)),
  )
    .filter((s) => s.length > 0)
    .sort((x, y) => x.length - y.length);
  for (const subset of subsets) {
    const pa = subset.reduce((p, d) => p * d.sizes[0], 1);
    const pb = subset.reduce((p, d) => p * d.sizes[1], 1);
    if (a % pa === 0 && b % pb === 0 && a / pa === b / pb && a !== 0) return { c: a / pa, dims: subset };
  }
  return undefined;
}

/** The ONNX dimension of a value traced as `a` and `b`: fixed, one named dim, or an expression. */
export function dimension(
  a: number,
  b: number,
  dims: readonly DynamicDim[],
): { dimValue: number } | { dimParam: string } {
  if (a === b) return { dimValue: a };
  const solved = solveEntry(a, b, dims);
  if (solved === undefined) return { dimParam: '?' };
  const names = solved.dims.map((d) => d.name);
  return { dimParam: (solved.c === 1 ? names : [String(solved.c), ...names]).join('*') };
}

const int64Values = (t: TensorProto): number[] =>
  Array.from(new BigInt64Array(t.rawData.slice().buffer), (v) => Number(v));

const sameBytes = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);

/**
 * Makes the graph of trace `a` work for every size of the dynamic dims, given trace `b` of the same
 * forward at other sizes: the two must have the same nodes; int64 vectors that differ (the shapes
 * Reshape and Expand take, slice bounds) are rebuilt from the graph inputs' runtime shapes; any
 * other difference means the forward builds something from a dynamic size, which is an error.
 */
export function mergeTraces(a: GraphBuilder, b: GraphBuilder, dims: readonly DynamicDim[]): void {
  const names = dims.map((d) => `'${d.name}'`).join(', ');
  const differ = (what: string): never => {
    throw new TesseraError(
      'exportOnnx',
      `${what} changes with the dynamic dimension(s) ${names}; give those dimensions fixed sizes in inputs`,
    );
  };
  if (a.nodes.length !== b.nodes.length) differ('the number of traced ops');
  a.nodes.forEach((n, i) => {
    if (JSON.stringify(n) !== JSON.stringify(b.nodes[i])) differ(`the traced ${n.opType} node '${n.name}'`);
  });
  const rebuilt: [string, number[], number[]][] = [];
  for (const [name, ta] of a.initializers) {
    const tb = b.initializers.get(name);
    if (tb === undefined || tb.dataType !== ta.dataType) differ(`the constant '${name}'`);
    if (sameBytes(ta.rawData, tb!.rawData) && fmtShape(ta.dims) === fmtShape(tb!.dims)) continue;
    if (
      ta.dataType !== ONNX_DTYPE.INT64 ||
      ta.dims.length !== 1 ||
      fmtShape(ta.dims) !== fmtShape(tb!.dims)
    ) {
      differ(`the constant '${name}' ${fmtShape(ta.dims)} (a table or mask built from the input's shape)`);
    }
    rebuilt.push([name, int64Values(ta), int64Values(tb!)]);
  }
  if (rebuilt.length === 0) return;
  a.prepend(() => {
    // Each dynamic dim as a 1-element int64 vector read from its input's shape at run time.
    const runtime = new Map<string, string>();
    const dimValue = (d: DynamicDim): string => {
      let v = runtime.get(d.name);
      if (v === undefined) {
        v = a.op('Gather', [a.op('Shape', [d.input]), a.int64s([d.axis])], { axis: 0 });
        runtime.set(d.name, v);
      }
      return v;
    };
    for (const [name, va, vb] of rebuilt) {
      const pieces: string[] = [];
      let run: number[] = [];
      const flush = () => {
        if (run.length > 0) pieces.push(a.int64s(run));
        run = [];
      };
      va.forEach((x, i) => {
        if (x === vb[i]) {
          run.push(x);
          return;
        }
        const solved =
          solveEntry(x, vb[i], dims) ??
          differ(`entry ${i} of the shape constant '${name}' [${va.join(', ')}]`);
        flush();
        let value = solved.dims.map(dimValue).reduce((p, v) => a.op('Mul', [p, v]));
        if (solved.c !== 1) value = a.op('Mul', [value, a.int64s([solved.c])]);
        pieces.push(value);
      });
      flush();
      a.initializers.delete(name);
      a.alias(pieces.length === 1 ? pieces[0] : a.op('Concat', pieces, { axis: 0 }), name);
    }
  });
}
