import {
  BINARY,
  type BinaryEntry,
  type BinaryName,
  type CoreOpTable,
  UNARY,
  type UnaryEntry,
  type UnaryName,
} from '@tessera/core';
import { computeType } from '../wgsl/dtype.js';
import { launchStrided } from './strided.js';
import type { GpuKernel } from './types.js';

/** The table's expressions may print ±Infinity attrs (clamp with one bound): WGSL has no such literal. */
function wgslNumbers(expr: string): string {
  return expr.replace(/-Infinity/g, '(-inf_f32())').replace(/Infinity/g, 'inf_f32()');
}

/**
 * Integer forms of the numeric unary ops. The table's expressions are written for f32 (`max(x, 0.0)`,
 * `floor(x)`), which WGSL rejects for i32; these keep i32 exact instead of detouring through f32.
 */
const I32_UNARY: { readonly [N in UnaryName]?: (a: { min: number; max: number }) => string } = {
  neg: () => '-x',
  abs: () => 'abs(x)',
  square: () => 'x * x',
  relu: () => 'max(x, 0)',
  sign: () => 'sign(x)',
  floor: () => 'x',
  ceil: () => 'x',
  round: () => 'x',
  // Bounds may be fractional or infinite: clamp in f32 and truncate, as an Int32Array store would.
  clamp: (a) => `f32_to_i32(clamp(f32(x), ${a.min}, ${a.max}))`,
};

function unaryKernel(name: UnaryName, e: UnaryEntry<unknown>): GpuKernel {
  return (host, [x], [out], attrs) => {
    launchStrided(host, e.name, [x], out, ([v]) => {
      if (e.domain === 'logical') {
        // Any dtype in, bool out: test in f32, which is exact for the zero test.
        const f = wgslNumbers(e.wgsl(attrs));
        return `select(0u, 1u, ${letIn('x', `f32(${v})`, f)} != 0.0)`;
      }
      if (x.dtype === 'i32') {
        const g = I32_UNARY[name];
        if (!g) throw new Error(`${e.name}: no i32 WebGPU form (float ops see f32 inputs)`);
        return letIn('x', v, wgslNumbers(g(attrs as { min: number; max: number })));
      }
      return letIn('x', v, wgslNumbers(e.wgsl(attrs)));
    });
  };
}

/** `expr` with `name` bound to `value`: a WGSL function-free substitution on identifiers. */
function letIn(name: string, value: string, expr: string): string {
  return `(${expr.replace(new RegExp(`\\b${name}\\b`, 'g'), `(${value})`)})`;
}

function binaryKernel(e: BinaryEntry): GpuKernel {
  return (host, [a, b], [out]) => {
    launchStrided(host, e.name, [a, b], out, ([va, vb]) => {
      const bind = (expr: string, ca: string, cb: string) => letIn('b', cb, letIn('a', ca, expr));
      if (e.kind === 'compare' || e.kind === 'logical') {
        return `select(0u, 1u, ${bind(e.wgsl, va, vb)})`;
      }
      // Arithmetic: bool operands compute as i32 (their result dtype); i32 pow stays exact; f16 computes as f32.
      const t = computeType(a.dtype);
      if (t === 'f32') return bind(e.wgsl, va, vb);
      const ca = t === 'u32' ? `i32(${va})` : va;
      const cb = t === 'u32' ? `i32(${vb})` : vb;
      if (e.name === 'pow') return `pow_i32(${ca}, ${cb})`;
      return bind(e.wgsl, ca, cb);
    });
  };
}

const whereKernel: GpuKernel = (host, inputs, [out]) => {
  launchStrided(host, 'where', inputs, out, ([c, a, b]) => `select(${b}, ${a}, ${c} != 0u)`);
};

/** WebGPU kernels generated from core's elementwise table. */
export function elementwiseKernels(): CoreOpTable<GpuKernel> {
  return {
    where: whereKernel,
    ...Object.fromEntries(
      (Object.keys(UNARY) as UnaryName[]).map((n) => [n, unaryKernel(n, UNARY[n] as UnaryEntry<unknown>)]),
    ),
    ...Object.fromEntries((Object.keys(BINARY) as BinaryName[]).map((n) => [n, binaryKernel(BINARY[n])])),
  };
}
