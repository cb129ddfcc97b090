import type { CoreOpTable } from '@tessera/core';
import { launchMapped, type MappedScope } from './mapped.js';
import type { GpuKernel } from './types.js';

type Pair = [number, number];

interface Conv2dAttrs {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

/**
 * conv2d as one thread per output element, direct summation (NCHW, weight [O, C/G, kH, kW]):
 *   y[n, o, p, q] = b[o] + Σ_{c < C/G, i < kH, j < kW} x[n, g·C/G + c, p·sh − ph + i·dh, q·sw − pw + j·dw] · w[o, c, i, j]
 * with g = o / (O/G) and out-of-image taps skipped (zero padding). The backward ops are the same sums
 * regrouped per output element, so no atomics are needed and results are deterministic.
 */
function windowParams(a: Conv2dAttrs): number[] {
  return [...a.stride, ...a.padding, ...a.dilation, a.groups];
}

const P = (s: MappedScope) => ({
  sh: s.extraI32(0),
  sw: s.extraI32(1),
  ph: s.extraI32(2),
  pw: s.extraI32(3),
  dh: s.extraI32(4),
  dw: s.extraI32(5),
  groups: s.extraI32(6),
});

const conv2d: GpuKernel<Conv2dAttrs> = (host, inputs, [out], a) => {
  const hasBias = inputs.length === 3;
  launchMapped(
    host,
    'conv2d',
    inputs,
    out,
    windowParams(a),
    (s) => {
      const p = P(s);
      return `  let cg = ${s.dim(1, 1)};
  let kh = ${s.dim(1, 2)};
  let kw = ${s.dim(1, 3)};
  let H = ${s.dim(0, 2)};
  let W = ${s.dim(0, 3)};
  let g = c1 / (${s.outDim(1)} / ${p.groups});
  var acc = ${hasBias ? s.load(2, ['c1']) : '0.0'};
  for (var c = 0; c < cg; c++) {
    for (var i = 0; i < kh; i++) {
      let h = c2 * ${p.sh} - ${p.ph} + i * ${p.dh};
      if (h < 0 || h >= H) { continue; }
      for (var j = 0; j < kw; j++) {
        let w = c3 * ${p.sw} - ${p.pw} + j * ${p.dw};
        if (w < 0 || w >= W) { continue; }
        acc += ${s.load(0, ['c0', 'g * cg + c', 'h', 'w'])} * ${s.load(1, ['c1', 'c', 'i', 'j'])};
      }
    }
  }
  out[i] = ${s.store('acc')};`;
    },
    hasBias ? 'bias' : '',
  );
};

// ∂x[n, c, h, w] = Σ_{o in c's group, i, j : p = (h + ph − i·dh)/sh, q = (w + pw − j·dw)/sw integral, in range} gy[n, o, p, q]·w[o, c mod C/G, i, j]
const conv2dBackwardInput: GpuKernel<Conv2dAttrs> = (host, [gy, w], [out], a) => {
  launchMapped(host, 'conv2dBackwardInput', [gy, w], out, windowParams(a), (s) => {
    const p = P(s);
    return `  let cg = ${s.dim(1, 1)};
  let kh = ${s.dim(1, 2)};
  let kw = ${s.dim(1, 3)};
  let OH = ${s.dim(0, 2)};
  let OW = ${s.dim(0, 3)};
  let opg = ${s.dim(1, 0)} / ${p.groups};
  let g = c1 / cg;
  let cw = c1 - g * cg;
  var acc = 0.0;
  for (var i = 0; i < kh; i++) {
    let ty = c2 + ${p.ph} - i * ${p.dh};
    if (ty < 0 || ty % ${p.sh} != 0) { continue; }
    let py = ty / ${p.sh};
    if (py >= OH) { continue; }
    for (var j = 0; j < kw; j++) {
      let tx = c3 + ${p.pw} - j * ${p.dw};
      if (tx < 0 || tx % ${p.sw} != 0) { continue; }
      let qx = tx / ${p.sw};
      if (qx >= OW) { continue; }
      for (var o = g * opg; o < (g + 1) * opg; o++) {
        acc += ${s.load(0, ['c0', 'o', 'py', 'qx'])} * ${s.load(1, ['o', 'cw', 'i', 'j'])};
      }
    }
  }
  out[i] = ${s.store('acc')};`;
  });
};

// ∂w[o, c, i, j] = Σ_{n, p, q} gy[n, o, p, q]·x[n, g·C/G + c, p·sh − ph + i·dh, q·sw − pw + j·dw] (in-image taps)
const conv2dBackwardWeight: GpuKernel<Conv2dAttrs> = (host, [x, gy], [out], a) => {
  launchMapped(host, 'conv2dBackwardWeight', [x, gy], out, windowParams(a), (s) => {
    const p = P(s);
    return `  let N = ${s.dim(0, 0)};
  let H = ${s.dim(0, 2)};
  let W = ${s.dim(0, 3)};
  let OH = ${s.dim(1, 2)};
  let OW = ${s.dim(1, 3)};
  let cg = ${s.outDim(1)};
  let g = c0 / (${s.outDim(0)} / ${p.groups});
  var acc = 0.0;
  for (var n = 0; n < N; n++) {
    for (var py = 0; py < OH; py++) {
      let h = py * ${p.sh} - ${p.ph} + c2 * ${p.dh};
      if (h < 0 || h >= H) { continue; }
      for (var qx = 0; qx < OW; qx++) {
        let w = qx * ${p.sw} - ${p.pw} + c3 * ${p.dw};
        if (w < 0 || w >= W) { continue; }
        acc += ${s.load(1, ['n', 'c0', 'py', 'qx'])} * ${s.load(0, ['n', 'g * cg + c1', 'h', 'w'])};
      }
    }
  }
  out[i] = ${s.store('acc')};`;
  });
};

export function convKernels(): CoreOpTable<GpuKernel> {
  return { conv2d, conv2dBackwardInput, conv2dBackwardWeight };
}
