/**
 * How a tensor prints: PyTorch's layout (torch/_tensor_str.py) — one shared element width,
 * 4 decimals or scientific notation chosen from the shown values, integers as `1.` for float
 * dtypes, rows wrapped at 80 columns, and more than 1000 elements summarized to the first and
 * last 3 along each dim with `...` — followed by Tessera's shape, dtype and device.
 */
import type { DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { fmtShape } from './errors.js';

/** Printing thresholds, PyTorch's defaults. */
export const PRINT = { threshold: 1000, edgeItems: 3, precision: 4, lineWidth: 80 } as const;

/** What is shown after the values. */
export interface TensorHeader {
  shape: readonly number[];
  dtype: DType;
  device: string;
  requiresGrad: boolean;
}

const PREFIX = 'tensor(';

/** Indices shown along a dim of size n: all, or the first and last edgeItems around a gap (-1). */
function shownIndices(n: number, summarize: boolean): number[] {
  const e = PRINT.edgeItems;
  if (!summarize || n <= 2 * e) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: e }, (_, i) => i), -1, ...Array.from({ length: e }, (_, i) => n - e + i)];
}

/** Python's `{:.Ne}`: at least two exponent digits. */
function sci(x: number): string {
  return x.toExponential(PRINT.precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Python's `{:.Nf}`: keeps the sign of −0, and rounds an exact tie to even (JavaScript's toFixed
 * rounds it away from zero: 0.03125 → '0.0313' where Python prints '0.0312').
 */
function fixed(x: number, digits: number): string {
  const a = Math.abs(x);
  const scale = 10 ** digits;
  // For |x| < 2^19 with at most 24 fractional bits, a·10^digits (digits ≤ 4) is computed exactly.
  if (digits <= 4 && a < 2 ** 19 && Number.isInteger(a * 2 ** 24)) {
    const scaled = a * scale;
    const n = Math.floor(scaled);
    if (scaled - n === 0.5) {
      const even = n % 2 === 0 ? n : n + 1;
      return `${x < 0 || Object.is(x, -0) ? '-' : ''}${(even / scale).toFixed(digits)}`;
    }
  }
  const s = x.toFixed(digits);
  return Object.is(x, -0) ? `-${s}` : s;
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** Formats every shown element alike (PyTorch's _Formatter). */
function elementFormatter(
  dtype: DType,
  shown: readonly number[],
): { width: number; fmt: (x: number) => string } {
  if (dtype === 'bool') {
    const width = shown.some((v) => v === 0) ? 5 : 4;
    return { width, fmt: (x) => (x !== 0 ? 'true' : 'false').padStart(width) };
  }
  if (!isFloat(dtype)) {
    const width = Math.max(1, ...shown.map((v) => String(v).length));
    return { width, fmt: (x) => String(x).padStart(width) };
  }
  const finite = shown.filter((v) => Number.isFinite(v) && v !== 0);
  if (finite.length === 0) {
    return { width: 1, fmt: (x) => (Number.isFinite(x) ? `${fixed(x, 0)}.` : nonFinite(x)) };
  }
  const abs = finite.map(Math.abs);
  const lo = Math.min(...abs);
  const hi = Math.max(...abs);
  const intMode = finite.every((v) => Number.isInteger(v));
  const sciMode = hi / lo > 1000 || hi > 1e8 || (!intMode && lo < 1e-4);
  const body = sciMode
    ? sci
    : intMode
      ? (x: number) => `${fixed(x, 0)}.`
      : (x: number) => fixed(x, PRINT.precision);
  const width = Math.max(1, ...finite.map((v) => body(v).length));
  return { width, fmt: (x) => (Number.isFinite(x) ? body(x) : nonFinite(x)).padStart(width) };
}

/**
 * The values part, `[[1., 2.],\n        [3., 4.]]`, reading element `at(index)` for each shown
 * multi-index only (a summarized tensor reads at most 6 per dim).
 */
export function formatValues(
  shape: readonly number[],
  dtype: DType,
  at: (index: number[]) => number,
): string {
  const size = shape.reduce((p, d) => p * d, 1);
  if (size === 0) return '[]';
  const summarize = size > PRINT.threshold;
  const perDim = shape.map((n) => shownIndices(n, summarize));
  const shown: number[] = [];
  const collect = (d: number, idx: number[]) => {
    if (d === shape.length) {
      shown.push(at(idx));
      return;
    }
    for (const i of perDim[d]) if (i >= 0) collect(d + 1, [...idx, i]);
  };
  collect(0, []);
  const { width, fmt } = elementFormatter(dtype, shown);
  if (shape.length === 0) return fmt(shown[0]).trim();

  const render = (d: number, idx: number[], indent: number): string => {
    if (d === shape.length - 1) {
      const items = perDim[d].map((i) => (i < 0 ? ' ...' : fmt(at([...idx, i]))));
      const perLine = Math.max(1, Math.floor((PRINT.lineWidth - indent) / (width + 2)));
      const lines: string[] = [];
      for (let k = 0; k < items.length; k += perLine) lines.push(items.slice(k, k + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    }
    const rows = perDim[d].map((i) => (i < 0 ? '...' : render(d + 1, [...idx, i], indent + 1)));
    const sep = `,${'\n'.repeat(shape.length - d - 1)}${' '.repeat(indent + 1)}`;
    return `[${rows.join(sep)}]`;
  };
  return render(0, [], PREFIX.length);
}

/** `tensor(<values>, shape=[…], dtype=…, device=…)`, suffixes wrapped as PyTorch wraps them. */
export function formatTensor(values: string, h: TensorHeader): string {
  const suffixes = [`shape=${fmtShape(h.shape)}`, `dtype=${h.dtype}`, `device=${h.device}`];
  if (h.requiresGrad) suffixes.push('requiresGrad=true');
  const body = PREFIX + values;
  let lastLine = body.length - body.lastIndexOf('\n') + 1;
  let out = body;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > PRINT.lineWidth) {
      out += `,\n${' '.repeat(PREFIX.length)}${s}`;
      lastLine = PREFIX.length + s.length;
    } else {
      out += `, ${s}`;
      lastLine += s.length + 2;
    }
  }
  return `${out})`;
}
