import { type CoreOpTable, f32ToF16Bits } from '@tessera/core';
import { computeType, storageType } from '../wgsl/dtype.js';
import { launchMapped, zeroOf } from './mapped.js';
import type { GpuKernel } from './types.js';
import { f32Bits } from './types.js';

type PadMode = 'constant' | 'reflect' | 'replicate';

interface PadAttrs {
  pads: [number, number][];
  mode: PadMode;
  value: number;
}

interface PadBackwardAttrs extends PadAttrs {
  inputShape: number[];
}

/**
 * pad: output coordinate o reads input coordinate i = o − before along each dim, mapped by the mode:
 * constant → the fill value outside [0, n); replicate → clamp(i, 0, n−1); reflect → −i below 0 and
 * 2(n−1) − i above n−1. Befores are params; the mode is baked into the WGSL.
 */
const pad: GpuKernel<PadAttrs> = (host, [x], [out], a) => {
  const t = storageType(out.dtype);
  const fill =
    t === 'f32'
      ? f32Bits(a.value)
      : t === 'f16'
        ? f32ToF16Bits(a.value)
        : t === 'i32'
          ? a.value | 0
          : a.value !== 0
            ? 1
            : 0;
  const befores = a.pads.map(([b]) => b);
  launchMapped(
    host,
    'pad',
    [x],
    out,
    [fill, ...befores],
    (s) => {
      const lines: string[] = ['  var inside = true;'];
      const coords: string[] = [];
      for (let d = 0; d < s.rank; d++) {
        const n = s.dim(0, d);
        lines.push(`  var i${d} = c${d} - ${s.extraI32(1 + d)};`);
        if (a.mode === 'constant') {
          lines.push(
            `  inside = inside && i${d} >= 0 && i${d} < ${n};`,
            `  i${d} = clamp(i${d}, 0, max(${n} - 1, 0));`,
          );
        } else if (a.mode === 'replicate') {
          lines.push(`  i${d} = clamp(i${d}, 0, ${n} - 1);`);
        } else {
          lines.push(
            `  i${d} = select(i${d}, -i${d}, i${d} < 0);`,
            `  i${d} = select(i${d}, 2 * (${n} - 1) - i${d}, i${d} > ${n} - 1);`,
          );
        }
        coords.push(`i${d}`);
      }
      const fillExpr =
        t === 'f32'
          ? s.extraF32(0)
          : t === 'f16'
            ? `bitcast<vec2<f16>>(${s.extra(0)}).x`
            : t === 'i32'
              ? s.extraI32(0)
              : s.extra(0);
      lines.push(`  out[i] = select(${fillExpr}, in0[${s.at(0, coords)}], inside);`);
      return lines.join('\n');
    },
    a.mode,
  );
};

/**
 * padBackward (the adjoint of pad): input coordinate i receives the sum of the gradient at every padded
 * coordinate o that pad mapped to i. Per dim these are o = i + before, plus for replicate the whole
 * border run (i = 0: o ∈ [0, before); i = n−1: o ∈ [n+before, n+before+after)), and for reflect the two
 * mirror images o = before − i (1 ≤ i ≤ before) and o = before + 2(n−1) − i (n−1−after ≤ i < n−1).
 * Candidates per dim are enumerated in nested loops; each output sums a fixed order (deterministic).
 */
const padBackward: GpuKernel<PadBackwardAttrs> = (host, [g], [out], a) => {
  const t = computeType(out.dtype);
  const rank = out.shape.length;
  const extra = a.pads.flat();
  launchMapped(
    host,
    'padBackward',
    [g],
    out,
    extra,
    (s) => {
      const lines: string[] = [`  var acc: ${t} = ${zeroOf(t)};`];
      let indent = '  ';
      for (let d = 0; d < rank; d++) {
        const before = s.extraI32(2 * d);
        const after = s.extraI32(2 * d + 1);
        const n = s.outDim(d);
        const P = s.dim(0, d);
        if (a.mode === 'constant') {
          lines.push(`${indent}for (var j${d} = 0; j${d} < 1; j${d}++) {`);
          lines.push(`${indent}  let o${d} = c${d} + ${before};`);
        } else if (a.mode === 'replicate') {
          const left = `select(0, ${before}, c${d} == 0)`;
          const right = `select(0, ${after}, c${d} == ${n} - 1)`;
          lines.push(`${indent}let left${d} = ${left};`);
          lines.push(`${indent}for (var j${d} = 0; j${d} < 1 + left${d} + ${right}; j${d}++) {`);
          lines.push(
            `${indent}  let o${d} = select(select(${n} - 1 + ${before} + (j${d} - left${d}), j${d} - 1, j${d} <= left${d}), c${d} + ${before}, j${d} == 0);`,
          );
        } else {
          lines.push(`${indent}for (var j${d} = 0; j${d} < 3; j${d}++) {`);
          lines.push(
            `${indent}  var o${d} = c${d} + ${before};`,
            `${indent}  if (j${d} == 1) { o${d} = select(-1, ${before} - c${d}, c${d} >= 1 && c${d} <= ${before}); }`,
            `${indent}  if (j${d} == 2) { o${d} = select(-1, ${before} + 2 * (${n} - 1) - c${d}, c${d} < ${n} - 1 && c${d} >= ${n} - 1 - ${after}); }`,
          );
        }
        lines.push(`${indent}  if (o${d} < 0 || o${d} >= ${P}) { continue; }`);
        indent += '  ';
      }
      const coords = Array.from({ length: rank }, (_, d) => `o${d}`);
      const v = s.load(0, coords);
      lines.push(`${indent}acc = acc ${t === 'u32' ? '|' : '+'} ${v};`);
      for (let d = rank - 1; d >= 0; d--) {
        indent = indent.slice(2);
        lines.push(`${indent}}`);
      }
      lines.push(`  out[i] = ${s.store('acc')};`);
      return lines.join('\n');
    },
    a.mode,
  );
};

export function padKernels(): CoreOpTable<GpuKernel> {
  return { pad, padBackward };
}
