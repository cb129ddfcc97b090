import type { CoreOpTable } from '@tessera/core';
import { type ComputeType, computeType, loadAs, storageType, storeAs } from '../wgsl/dtype.js';
import { preludeFor } from '../wgsl/prelude.js';
import { coalesce, groups1d } from './layout.js';
import { bindings, type GpuInput, type GpuKernel, type GpuOutput, type KernelHost } from './types.js';

/**
 * Reductions over a set of axes: each output element reduces the "lane" of input elements that share
 * its kept coordinates. Small lanes (or many outputs) run one thread per output with a sequential loop;
 * long lanes run one workgroup per output: 256 threads each fold a strided share, then a tree in
 * workgroup memory halves the partials in log2(256) = 8 barrier steps.
 */

const WG = 256;

/** How to fold one reduction: accumulator type, identity, a step with value `v`, and a merge. */
interface Fold {
  /** WGSL type of the accumulator. */
  acc: string;
  /** Converts an element (already in its compute type: f16 loads as f32) to the accumulator's type. */
  load: (v: string) => string;
  init: string;
  /** New accumulator from `a` (accumulator) and `v` (one converted element at lane index `j`). */
  step: (a: string, v: string, j: string) => string;
  merge: (a: string, b: string) => string;
  /** Output value from the final accumulator; `count` is the WGSL f32 lane length. */
  finish: (a: string, count: string) => string;
  /** argmax (1) or argmin (−1): selects the pair comparison. */
  sign?: 1 | -1;
}

interface LaneLayout {
  outShape: number[];
  outStrides: number[];
  redShape: number[];
  redStrides: number[];
  nOut: number;
  nRed: number;
}

/** Kept and reduced dims of x (each group merged where contiguous). */
export function laneLayout(x: GpuInput, axes: readonly number[]): LaneLayout {
  const keptIdx = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const redIdx = [...axes];
  const kept = coalesce(
    keptIdx.map((d) => x.shape[d]),
    [keptIdx.map((d) => x.strides[d])],
  );
  const red = coalesce(
    redIdx.map((d) => x.shape[d]),
    [redIdx.map((d) => x.strides[d])],
  );
  return {
    outShape: kept.shape,
    outStrides: kept.strides[0],
    redShape: red.shape,
    redStrides: red.strides[0],
    nOut: keptIdx.reduce((n, d) => n * x.shape[d], 1),
    nRed: redIdx.reduce((n, d) => n * x.shape[d], 1),
  };
}

/** WGSL that computes `name` (i32) = Σ coord_d(index)·stride_d over dims from params at `at`. */
export function decodeOffset(name: string, index: string, rank: number, at: number): string {
  if (rank === 0) return `  var ${name} = 0;`;
  const lines = [`  var ${name} = 0;`, `  var rem_${name} = ${index};`];
  for (let d = rank - 1; d >= 0; d--) {
    const dim = `p[${at + d}u]`;
    lines.push(`  ${name} += i32(rem_${name} % ${dim}) * bitcast<i32>(p[${at + rank + d}u]);`);
    if (d > 0) lines.push(`  rem_${name} = rem_${name} / ${dim};`);
  }
  return lines.join('\n');
}

function launchReduce(
  host: KernelHost,
  op: string,
  x: GpuInput,
  out: GpuOutput,
  axes: readonly number[],
  fold: Fold,
  /** The lane length finish() sees (stage 2 of a split reduction passes the original). */
  count?: number,
): void {
  const l = laneLayout(x, axes);
  if (l.nOut === 0) return;
  const ko = l.outShape.length;
  const kr = l.redShape.length;
  const perThread = l.nRed <= 64 || l.nOut >= 2048;
  // A few long lanes would leave all but a few workgroups idle: split each lane into S chunks reduced
  // in parallel (stage 1, raw accumulators into a scratch buffer), then reduce the S partials (stage 2).
  // Stage 1 on a software adapter gives each thread one chunk of 1024 to walk alone (no workgroup
  // memory, no barriers, as its per-row sums do); on a GPU a workgroup tree-reduces chunks of 4096.
  const splittable = !perThread && !fold.acc.startsWith('Arg') && l.nOut < 64 && l.nRed >= 16384;
  const chunked = splittable && host.adapterClass === 'software';
  const S = splittable ? Math.min(chunked ? 4096 : 256, Math.ceil(l.nRed / (chunked ? 1024 : 4096))) : 1;
  const chunk = Math.ceil(l.nRed / S);
  // params: nOut, nRed, offset, outShape, outStrides, redShape, redStrides, S, chunk, count
  const params = [l.nOut, l.nRed, x.offset, ...l.outShape, ...l.outStrides, ...l.redShape, ...l.redStrides];
  const tail = params.length;
  params.push(S, chunk, count ?? l.nRed);
  const countExpr = `f32(p[${tail + 2}u])`;
  const redAt = 3 + 2 * ko;
  const elem = (j: string) =>
    kr === 1
      ? fold.load(loadAs(x.dtype, `in0[u32(base + i32(${j}) * bitcast<i32>(p[${redAt + 1}u]))]`))
      : fold.load(loadAs(x.dtype, `in0[u32(base + redOff(${j}))]`));
  const redFn =
    kr === 1
      ? ''
      : `fn redOff(j: u32) -> i32 {
${decodeOffset('r', 'j', kr, redAt)}
  return r;
}`;
  const accType = fold.acc as ComputeType;
  const t = S > 1 ? accType : storageType(out.dtype);
  // The final value rounds to the output's storage once (f16); stage-1 partials stay raw.
  const finish = (a: string) => (S > 1 ? a : storeAs(out.dtype, fold.finish(a, countExpr)));
  let body: string;
  let groups: [number, number, number];
  if (perThread) {
    body = `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * 64u;
  if (o >= p[0]) { return; }
${decodeOffset('ko', 'o', ko, 3)}
  let base = bitcast<i32>(p[2u]) + ko;
  var acc: ${fold.acc} = ${fold.init};
  for (var j = 0u; j < p[1u]; j++) {
    let v = ${elem('j')};
    acc = ${fold.step('acc', 'v', 'j')};
  }
  out[o] = ${finish('acc')};
}`;
    groups = groups1d(l.nOut, 64);
  } else if (chunked) {
    body = `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + gid.y * nwg.x * 64u;
  if (g >= p[0] * p[${tail}u]) { return; }
  let o = g / p[${tail}u];
  let jStart = (g % p[${tail}u]) * p[${tail + 1}u];
  let jEnd = min(jStart + p[${tail + 1}u], p[1u]);
${decodeOffset('ko', 'o', ko, 3)}
  let base = bitcast<i32>(p[2u]) + ko;
  var acc: ${fold.acc} = ${fold.init};
  for (var j = jStart; j < jEnd; j++) {
    let v = ${elem('j')};
    acc = ${fold.step('acc', 'v', 'j')};
  }
  out[g] = ${finish('acc')};
}`;
    groups = groups1d(l.nOut * S, 64);
  } else {
    body = `var<workgroup> sh: array<${fold.acc}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = wid.x + wid.y * nwg.x;
  let o = g / p[${tail}u];
  let jStart = (g % p[${tail}u]) * p[${tail + 1}u];
  let jEnd = min(jStart + p[${tail + 1}u], p[1u]);
  let oc = min(o, p[0] - 1u);
${decodeOffset('ko', 'oc', ko, 3)}
  let base = bitcast<i32>(p[2u]) + ko;
  var acc: ${fold.acc} = ${fold.init};
  for (var j = jStart + lid; j < jEnd; j += ${WG}u) {
    let v = ${elem('j')};
    acc = ${fold.step('acc', 'v', 'j')};
  }
  sh[lid] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = ${fold.merge('sh[lid]', 'sh[lid + s]')}; }
    workgroupBarrier();
  }
  if (lid == 0u && o < p[0]) { out[g] = ${finish('sh[0]')}; }
}`;
    groups = groups1d(l.nOut * S, 1);
  }
  const code = `${redFn}\n${body}`;
  const wgsl = `// ${op}
${bindings([storageType(x.dtype)], [t])}
${preludeFor(code + (fold.acc === 'ArgF' ? 'isnan_f32(' : ''))}
${fold.acc.startsWith('Arg') ? ARG_STRUCT(fold.acc, fold.sign ?? 1) : ''}
${code}
`;
  if (S === 1) {
    host.launch({ op, wgsl, reads: [x.buf], writes: [out.buf], params, groups });
    return;
  }
  const partials = host.scratch(l.nOut * S * 4);
  host.launch({ op, wgsl, reads: [x.buf], writes: [partials], params, groups });
  const stage2: Fold = { ...fold, load: (v) => v, step: (a, v) => fold.merge(a, v) };
  const scratchType = accType === 'u32' ? 'bool' : accType;
  const input: GpuInput = {
    buf: partials,
    shape: [l.nOut, S],
    strides: [S, 1],
    offset: 0,
    dtype: scratchType,
  };
  launchReduce(host, op, input, out, [1], stage2, count ?? l.nRed);
}

/** The pair type and `better(a, b)`: b replaces a if its value wins, NaN first, ties to the lower index. */
const ARG_STRUCT = (name: string, sign: number) => {
  const isF = name === 'ArgF';
  const cmp = sign > 0 ? 'b.v > a.v' : 'b.v < a.v';
  const nan = isF
    ? `  let na = isnan_f32(a.v);
  let nb = isnan_f32(b.v);
  if (na || nb) {
    if ((na && nb && b.i < a.i) || (nb && !na)) { return b; }
    return a;
  }`
    : '';
  return `struct ${name} { v: ${isF ? 'f32' : 'i32'}, i: u32 }
fn better(a: ${name}, b: ${name}) -> ${name} {
${nan}
  if (${cmp} || (b.v == a.v && b.i < a.i)) { return b; }
  return a;
}`;
};

function numType(_x: GpuInput, out: GpuOutput): 'f32' | 'i32' {
  return computeType(out.dtype) === 'f32' ? 'f32' : 'i32';
}

function convertTo(t: ComputeType, from: GpuInput['dtype']): (v: string) => string {
  const src = computeType(from);
  return (v) => (src === t ? v : `${t}(${v})`);
}

function sumFold(x: GpuInput, out: GpuOutput, mean: boolean): Fold {
  const t = numType(x, out);
  return {
    acc: t,
    load: convertTo(t, x.dtype),
    init: t === 'f32' ? '0.0' : '0',
    step: (a, v) => `${a} + ${v}`,
    merge: (a, b) => `${a} + ${b}`,
    finish: (a, n) => (mean ? `${a} / ${n}` : a),
  };
}

function prodFold(x: GpuInput, out: GpuOutput): Fold {
  const t = numType(x, out);
  return {
    acc: t,
    load: convertTo(t, x.dtype),
    init: t === 'f32' ? '1.0' : '1',
    step: (a, v) => `${a} * ${v}`,
    merge: (a, b) => `${a} * ${b}`,
    finish: (a) => a,
  };
}

/** max/min; NaN wins (as on the CPU), via a + b, which is NaN when either is. */
function extremeFold(x: GpuInput, sign: 1 | -1): Fold {
  const t = computeType(x.dtype);
  const f = sign > 0 ? 'max' : 'min';
  const init =
    t === 'f32'
      ? sign > 0
        ? '(-inf_f32())'
        : 'inf_f32()'
      : t === 'i32'
        ? sign > 0
          ? 'i32(-2147483648)'
          : '2147483647'
        : sign > 0
          ? '0u'
          : '1u';
  const pick = (a: string, b: string) =>
    t === 'f32'
      ? `select(${f}(${a}, ${b}), ${a} + ${b}, isnan_f32(${a}) || isnan_f32(${b}))`
      : `${f}(${a}, ${b})`;
  return { acc: t, load: (v) => v, init, step: pick, merge: pick, finish: (a) => a };
}

/** argmax/argmin: (value, index) pairs; NaN beats everything, ties keep the lower index. */
function argFold(x: GpuInput, sign: 1 | -1): Fold {
  const isF = computeType(x.dtype) === 'f32';
  const S = isF ? 'ArgF' : 'ArgI';
  const better = (a: string, b: string) => `better(${a}, ${b})`;
  return {
    acc: S,
    sign,
    load: (v) => v,
    init: isF
      ? `${S}(${sign > 0 ? '-inf_f32()' : 'inf_f32()'}, 4294967295u)`
      : `${S}(${sign > 0 ? 'i32(-2147483648)' : '2147483647'}, 4294967295u)`,
    step: (a, v, j) => better(a, `${S}(${v}, ${j})`),
    merge: better,
    finish: (a) => `i32(select(${a}.i, 0u, ${a}.i == 4294967295u))`,
  };
}

interface ReduceAttrs {
  axes: number[];
}

interface ArgAttrs {
  axis: number | null;
}

export function reduceKernels(): CoreOpTable<GpuKernel> {
  const over =
    (make: (x: GpuInput, out: GpuOutput) => Fold, op: string): GpuKernel<ReduceAttrs> =>
    (host, [x], [out], { axes }) =>
      launchReduce(host, op, x, out, axes, make(x, out));
  const arg =
    (sign: 1 | -1, op: string): GpuKernel<ArgAttrs> =>
    (host, [x], [out], { axis }) => {
      const axes = axis === null ? x.shape.map((_, d) => d) : x.shape.length === 0 ? [] : [axis];
      launchReduce(host, op, x, out, axes, argFold(x, sign));
    };
  return {
    sum: over((x, o) => sumFold(x, o, false), 'sum'),
    mean: over((x, o) => sumFold(x, o, true), 'mean'),
    prod: over(prodFold, 'prod'),
    max: over((x) => extremeFold(x, 1), 'max'),
    min: over((x) => extremeFold(x, -1), 'min'),
    argmax: arg(1, 'argmax'),
    argmin: arg(-1, 'argmin'),
  };
}
