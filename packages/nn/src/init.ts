import { type Context, fmtShape, rand, randn, type Tensor, TesseraError, tensor, tidy } from '@tessera/core';
import { erf } from '@tessera/core/math';

/** Options shared by the initializers: where the new tensor lives. */
export interface InitOptions {
  dtype?: 'f32' | 'f64' | 'f16' | 'bf16';
  device?: string;
  context?: Context;
}

export type FanMode = 'fanIn' | 'fanOut';
export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/**
 * Fan-in and fan-out of a weight in PyTorch's layout: [out, in] for Linear and
 * [out, in/groups, kh, kw] for Conv2d, where the receptive field multiplies both.
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new TesseraError(
      'fans',
      `fan-in and fan-out need a weight of rank ≥ 2, got shape ${fmtShape(shape)}`,
    );
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** The recommended gain of a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
  }
}

/** Draws happen in f32/f64; half-precision storage is a cast of that draw. */
function finish(t: Tensor, o: InitOptions): Tensor {
  const dtype = o.dtype ?? 'f32';
  if (dtype === 'f32' || dtype === 'f64') return t;
  const half = t.cast(dtype);
  t.dispose();
  return half;
}

/** U(low, high), drawn from the context's seeded generator. */
export function uniform(shape: readonly number[], low = 0, high = 1, o: InitOptions = {}): Tensor {
  if (!(high >= low)) throw new TesseraError('uniform', `expected low ≤ high, got ${low} and ${high}`);
  const dtype = o.dtype === 'f64' ? 'f64' : 'f32';
  const ctx = o.context;
  return finish(
    tidy(
      () =>
        rand(shape, { dtype, device: o.device, context: ctx })
          .mul(high - low)
          .add(low),
      ctx,
    ),
    o,
  );
}

/** N(mean, std²). */
export function normal(shape: readonly number[], mean = 0, std = 1, o: InitOptions = {}): Tensor {
  if (!(std >= 0)) throw new TesseraError('normal', `expected std ≥ 0, got ${std}`);
  const dtype = o.dtype === 'f64' ? 'f64' : 'f32';
  const ctx = o.context;
  return finish(
    tidy(() => randn(shape, { dtype, device: o.device, context: ctx }).mul(std).add(mean), ctx),
    o,
  );
}

/**
 * N(mean, std²) conditioned on [a, b], by inverse-CDF sampling: u ~ U(Φ(α), Φ(β)) with
 * α = (a − mean)/std, β = (b − mean)/std, then x = mean + std·√2·erfinv(2u − 1).
 */
export function truncatedNormal(
  shape: readonly number[],
  mean = 0,
  std = 1,
  a = -2,
  b = 2,
  o: InitOptions = {},
): Tensor {
  if (!(a < b)) throw new TesseraError('truncatedNormal', `expected a < b, got ${a} and ${b}`);
  const u = uniform(shape, 0, 1, { ...o, dtype: 'f64' });
  const lo = phi((a - mean) / std);
  const hi = phi((b - mean) / std);
  const values = u.dataSync() as Float64Array;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const p = lo + (hi - lo) * values[i];
    out[i] = Math.min(b, Math.max(a, mean + std * Math.SQRT2 * erfinv(2 * p - 1)));
  }
  const ctx = u.ctx;
  u.dispose();
  const dtype = o.dtype === 'f64' ? 'f64' : 'f32';
  return finish(tensor(out, [...shape], { dtype, device: o.device, context: ctx }), o);
}

/** Φ, the standard normal CDF. */
function phi(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** erf⁻¹ by Newton's method on erf(x) = y from Giles' single-precision starting point. */
function erfinv(y: number): number {
  if (y <= -1) return -Infinity;
  if (y >= 1) return Infinity;
  const w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    const v = w - 2.5;
    x =
      y * (1.50140941 + v * (0.246640727 + v * (-0.00417768164 + v * (-0.00125372503 + v * 0.00021858087))));
  } else {
    const v = Math.sqrt(w) - 3;
    x = y * (2.83297682 + v * (1.00167406 + v * (0.00943887047 + v * (-0.0076224613 + v * 0.00573950773))));
  }
  for (let i = 0; i < 3; i++) {
    // d erf/dx = 2/√π e^(−x²)
    x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  }
  return x;
}

export interface FanOptions extends InitOptions {
  gain?: number;
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of a leaky ReLU (0 for ReLU); used with nonlinearity 'leakyRelu'. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** Glorot & Bengio: U(−b, b) with b = gain·√(6/(fanIn + fanOut)), so Var = gain²·2/(fanIn + fanOut). */
export function xavierUniform(shape: readonly number[], o: FanOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const bound = (o.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -bound, bound, o);
}

/** N(0, std²) with std = gain·√(2/(fanIn + fanOut)). */
export function xavierNormal(shape: readonly number[], o: FanOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return normal(shape, 0, (o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), o);
}

function kaimingStd(op: string, shape: readonly number[], o: KaimingOptions): number {
  const f = fans(shape);
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new TesseraError(op, `mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  }
  const gain = calculateGain(o.nonlinearity ?? 'leakyRelu', o.a ?? 0);
  return gain / Math.sqrt(mode === 'fanIn' ? f.fanIn : f.fanOut);
}

/** He et al.: U(−b, b) with b = √3·gain/√fan, so Var = gain²/fan. */
export function kaimingUniform(shape: readonly number[], o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform', shape, o);
  return uniform(shape, -bound, bound, o);
}

/** N(0, gain²/fan). */
export function kaimingNormal(shape: readonly number[], o: KaimingOptions = {}): Tensor {
  return normal(shape, 0, kaimingStd('kaimingNormal', shape, o), o);
}
