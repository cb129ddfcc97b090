import type { WasmModule } from '../../wasm/wasm-module.js';
import { WHERE_MODE } from './elementwise-kernel.js';

/** An f32 operand of an elementwise kernel: `count` elements from `offset` (1: a scalar, inner: a row). */
export interface EwOperand {
  data: Float32Array;
  offset: number;
  count: number;
}

/**
 * Before the cost model has a rate for an elementwise kernel (WasmModule.split), ops over at
 * least this many elements split across threads.
 */
const PARALLEL_ELEMS = 1 << 18;

/** Scratch regions start on 16-element (64-byte) boundaries: `x` elements rounded up to one. */
const al = (x: number) => Math.ceil(x / 16) * 16;

function tasks(
  rt: WasmModule,
  kernel: string,
  n: number,
): { chunk: number; count: number; parallel: boolean } {
  if (!rt.split(kernel, n, PARALLEL_ELEMS)) return { chunk: Math.max(n, 1), count: 1, parallel: false };
  const chunk = Math.ceil(n / (4 * rt.threads) / 16) * 16;
  return { chunk, count: Math.ceil(n / chunk), parallel: true };
}

/**
 * out[i] = a′ op b′ over n elements with bin_<op> (elementwise-kernel.ts): operands are copied
 * into wasm memory, the result copied back. Returns false when the scratch does not fit.
 */
export function binaryWasm(
  rt: WasmModule,
  op: string,
  a: EwOperand,
  b: EwOperand,
  mode: number,
  inner: number,
  out: Float32Array,
): boolean {
  const n = out.length;
  const base = rt.reserve((al(a.count) + al(b.count) + n) * 4);
  if (base < 0) return false;
  const w = base / 4;
  const pa = w;
  const pb = pa + al(a.count);
  const po = pb + al(b.count);
  const f32 = rt.f32();
  f32.set(a.data.subarray(a.offset, a.offset + a.count), pa);
  f32.set(b.data.subarray(b.offset, b.offset + b.count), pb);
  const t = tasks(rt, `bin_${op}`, n);
  rt.run(`bin_${op}`, [pa * 4, pb * 4, po * 4, n, inner, mode, t.chunk], t.count, t.parallel, undefined, n);
  out.set(rt.f32().subarray(po, po + n));
  return true;
}

/** out[i] = op(a[i]) over a dense operand with un_<op>; false when the scratch does not fit. */
export function unaryWasm(rt: WasmModule, op: string, a: EwOperand, out: Float32Array): boolean {
  const n = out.length;
  const base = rt.reserve((al(n) + n) * 4);
  if (base < 0) return false;
  const pa = base / 4;
  const po = pa + al(n);
  rt.f32().set(a.data.subarray(a.offset, a.offset + n), pa);
  const t = tasks(rt, `un_${op}`, n);
  rt.run(`un_${op}`, [pa * 4, po * 4, n, t.chunk], t.count, t.parallel, undefined, n);
  out.set(rt.f32().subarray(po, po + n));
  return true;
}

/** out[i] = a′ op b′ as bool bytes with cmp_<op>; a and b dense or scalar (mode). */
export function compareWasm(
  rt: WasmModule,
  op: string,
  a: EwOperand,
  b: EwOperand,
  mode: number,
  out: Uint8Array,
): boolean {
  const n = out.length;
  const base = rt.reserve((al(a.count) + al(b.count) + al(n / 4)) * 4);
  if (base < 0) return false;
  const pa = base / 4;
  const pb = pa + al(a.count);
  const po = (pb + al(b.count)) * 4;
  const f32 = rt.f32();
  f32.set(a.data.subarray(a.offset, a.offset + a.count), pa);
  f32.set(b.data.subarray(b.offset, b.offset + b.count), pb);
  const t = tasks(rt, `cmp_${op}`, n);
  rt.run(`cmp_${op}`, [pa * 4, pb * 4, po, n, mode, t.chunk], t.count, t.parallel, undefined, n);
  out.set(new Uint8Array(rt.memory.buffer, po, n));
  return true;
}

/**
 * out[i] = c[i] ≠ 0 ? x′ : y′ over n elements with where_f32: c dense bool bytes from `cOffset`,
 * x and y dense or one element (their `count`); false when the scratch does not fit.
 */
export function whereWasm(
  rt: WasmModule,
  c: Uint8Array,
  cOffset: number,
  x: EwOperand,
  y: EwOperand,
  out: Float32Array,
): boolean {
  const n = out.length;
  const base = rt.reserve((al(x.count) + al(y.count) + n + al(n / 4)) * 4);
  if (base < 0) return false;
  const px = base / 4;
  const py = px + al(x.count);
  const po = py + al(y.count);
  const pc = (po + n) * 4;
  const f32 = rt.f32();
  f32.set(x.data.subarray(x.offset, x.offset + x.count), px);
  f32.set(y.data.subarray(y.offset, y.offset + y.count), py);
  new Uint8Array(rt.memory.buffer, pc, n).set(c.subarray(cOffset, cOffset + n));
  const mode = (x.count === 1 ? WHERE_MODE.xScalar : 0) | (y.count === 1 ? WHERE_MODE.yScalar : 0);
  const t = tasks(rt, 'where_f32', n);
  rt.run('where_f32', [pc, px * 4, py * 4, po * 4, n, mode, t.chunk], t.count, t.parallel, undefined, n);
  out.set(rt.f32().subarray(po, po + n));
  return true;
}
