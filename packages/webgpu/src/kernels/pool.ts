import type { CoreOpTable } from '@tessera/core';
import { launchMapped, type MappedScope } from './mapped.js';
import type { GpuKernel } from './types.js';

type Pair = [number, number];

interface PoolAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation?: Pair;
  countIncludePad?: boolean;
}

/**
 * Pools as one thread per output element. A window (p, q) covers rows p·sh − ph + i·dh and columns
 * q·sw − pw + j·dw; taps outside the image are skipped: padding never wins a max, and counts toward an
 * average's divisor only with countIncludePad. The backward ops loop, per input element, over the
 * windows that contain it (p = (h + ph − i·dh)/sh when integral), so they need no atomics.
 */
function params(a: PoolAttrs): number[] {
  const d = a.dilation ?? [1, 1];
  return [...a.kernel, ...a.stride, ...a.padding, ...d, a.countIncludePad ? 1 : 0];
}

const K = (s: MappedScope) => ({
  kh: s.extraI32(0),
  kw: s.extraI32(1),
  sh: s.extraI32(2),
  sw: s.extraI32(3),
  ph: s.extraI32(4),
  pw: s.extraI32(5),
  dh: s.extraI32(6),
  dw: s.extraI32(7),
  incl: s.extraI32(8),
});

/**
 * WGSL loops over the pooling windows (py, qx) of an output grid of ohExpr × owExpr that contain
 * input pixel (c2, c3), running `body` for each; the caller closes the outer loop. A window
 * (p, q) covers (h, w) where h = p·sh − ph + i·dh for some kernel row i (likewise w).
 */
function windowsContaining(k: ReturnType<typeof K>, ohExpr: string, owExpr: string, body: string): string {
  return `  for (var i = 0; i < ${k.kh}; i++) {
    let ty = c2 + ${k.ph} - i * ${k.dh};
    if (ty < 0 || ty % ${k.sh} != 0) { continue; }
    let py = ty / ${k.sh};
    if (py >= ${ohExpr}) { continue; }
    for (var j = 0; j < ${k.kw}; j++) {
      let tx = c3 + ${k.pw} - j * ${k.dw};
      if (tx < 0 || tx % ${k.sw} != 0) { continue; }
      let qx = tx / ${k.sw};
      if (qx >= ${owExpr}) { continue; }
      ${body}
    }`;
}

/** WGSL fn firstMax(n, c, p, q) -> vec3<i32>-free form: sets best value and its (h, w), NaN wins, first on ties. */
function firstMaxFn(s: MappedScope, input: number): string {
  const k = K(s);
  return `fn window_max(n: i32, c: i32, py: i32, qx: i32) -> vec2<i32> {
  var best = 0.0;
  var bh = -1;
  var bw = -1;
  for (var i = 0; i < ${k.kh}; i++) {
    let h = py * ${k.sh} - ${k.ph} + i * ${k.dh};
    if (h < 0 || h >= ${s.dim(input, 2)}) { continue; }
    for (var j = 0; j < ${k.kw}; j++) {
      let w = qx * ${k.sw} - ${k.pw} + j * ${k.dw};
      if (w < 0 || w >= ${s.dim(input, 3)}) { continue; }
      let v = ${s.load(input, ['n', 'c', 'h', 'w'])};
      if (bh < 0 || v > best || (isnan_f32(v) && !isnan_f32(best))) { best = v; bh = h; bw = w; }
    }
  }
  return vec2<i32>(bh, bw);
}`;
}

const maxPool2d: GpuKernel<PoolAttrs> = (host, [x], [out], a) => {
  launchMapped(
    host,
    'maxPool2d',
    [x],
    out,
    params(a),
    (s) => {
      return `  let m = window_max(c0, c1, c2, c3);
  out[i] = in0[${s.at(0, ['c0', 'c1', 'm.x', 'm.y'])}];`;
    },
    '',
    (s) => firstMaxFn(s, 0),
  );
};

// ∂x[n, c, h, w] = Σ over windows (p, q) whose first max is (h, w) of gy[n, c, p, q]
const maxPool2dBackward: GpuKernel<PoolAttrs> = (host, [x, gy], [out], a) => {
  launchMapped(
    host,
    'maxPool2dBackward',
    [x, gy],
    out,
    params(a),
    (s) => {
      const k = K(s);
      return `  var acc = 0.0;
${windowsContaining(
  k,
  s.dim(1, 2),
  s.dim(1, 3),
  `let m = window_max(c0, c1, py, qx);
      if (m.x == c2 && m.y == c3) { acc += ${s.load(1, ['c0', 'c1', 'py', 'qx'])}; }`,
)}
  }
  out[i] = ${s.store('acc')};`;
    },
    '',
    (s) => firstMaxFn(s, 0),
  );
};

/** WGSL fn window_count(p, q): the average's divisor for window (p, q). */
function divisorFn(s: MappedScope, h: string, w: string): string {
  const k = K(s);
  return `fn window_count(py: i32, qx: i32) -> f32 {
  if (${k.incl} == 1) { return f32(${k.kh} * ${k.kw}); }
  var rows = 0;
  var cols = 0;
  for (var i = 0; i < ${k.kh}; i++) {
    let hh = py * ${k.sh} - ${k.ph} + i * ${k.dh};
    if (hh >= 0 && hh < ${h}) { rows++; }
  }
  for (var j = 0; j < ${k.kw}; j++) {
    let ww = qx * ${k.sw} - ${k.pw} + j * ${k.dw};
    if (ww >= 0 && ww < ${w}) { cols++; }
  }
  return f32(rows * cols);
}`;
}

const avgPool2d: GpuKernel<PoolAttrs> = (host, [x], [out], a) => {
  launchMapped(
    host,
    'avgPool2d',
    [x],
    out,
    params(a),
    (s) => {
      const k = K(s);
      return `  var acc = 0.0;
  for (var i = 0; i < ${k.kh}; i++) {
    let h = c2 * ${k.sh} - ${k.ph} + i * ${k.dh};
    if (h < 0 || h >= ${s.dim(0, 2)}) { continue; }
    for (var j = 0; j < ${k.kw}; j++) {
      let w = c3 * ${k.sw} - ${k.pw} + j * ${k.dw};
      if (w < 0 || w >= ${s.dim(0, 3)}) { continue; }
      acc += ${s.load(0, ['c0', 'c1', 'h', 'w'])};
    }
  }
  out[i] = ${s.store('acc / window_count(c2, c3)')};`;
    },
    '',
    (s) => divisorFn(s, s.dim(0, 2), s.dim(0, 3)),
  );
};

// ∂x[n, c, h, w] = Σ over windows (p, q) containing (h, w) of gy[n, c, p, q] / count(p, q)
const avgPool2dBackward: GpuKernel<PoolAttrs> = (host, [gy], [out], a) => {
  launchMapped(
    host,
    'avgPool2dBackward',
    [gy],
    out,
    params(a),
    (s) => {
      const k = K(s);
      return `  var acc = 0.0;
${windowsContaining(k, s.dim(0, 2), s.dim(0, 3), `acc += ${s.load(0, ['c0', 'c1', 'py', 'qx'])} / window_count(py, qx);`)}
  }
  out[i] = ${s.store('acc')};`;
    },
    '',
    (s) => divisorFn(s, s.outDim(2), s.outDim(3)),
  );
};

export function poolKernels(): CoreOpTable<GpuKernel> {
  return { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward };
}
