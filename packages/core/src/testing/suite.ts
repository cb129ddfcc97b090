import { describe, expect, it } from 'vitest';
import type { Context } from '../context.js';
import { type DType, isFloat } from '../dtype.js';
import { TesseraError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { ALL_GROUPS } from './cases/index.js';
import { makeInput, specValues } from './inputs.js';
import { type Ref, ref } from './reference/base.js';
import type { CaseGroup, ErrorHelpers, Layout, OpCase } from './types.js';

export interface ConformanceOptions {
  /** Label in test names, e.g. 'cpu' or 'webgpu (lavapipe)'. */
  name: string;
  /** Device the suite places its inputs on. */
  device: string;
  /** The context to test in (the suite seeds nothing global). */
  context: () => Context | Promise<Context>;
  /** Multiplies every f32 tolerance (a GPU accumulating in f32 may need 10). */
  tolScale?: number;
  /** dtypes the backend claims; cases at other dtypes are left out (default: all). */
  dtypes?: readonly DType[];
  /** Case groups to run (default: every core group). */
  groups?: readonly CaseGroup[];
}

function tolerance(outDtype: DType, base: number): number {
  switch (outDtype) {
    case 'f64':
      return base * 1e-5;
    case 'f32':
      return base;
    case 'f16':
      return Math.max(base, 2e-3);
    case 'bf16':
      return Math.max(base, 1.6e-2);
    default:
      return 0;
  }
}

function seedOf(name: string, i: number): number {
  let h = 2166136261;
  for (const c of `${name}#${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Where two arrays first differ beyond tolerance, or null. */
export function firstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!Number.isFinite(b) && a === b) continue;
    if (!(Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1))) return `element ${i}: got ${a}, expected ${b}`;
  }
  return null;
}

/** A variation of a case's inputs: another value seed, other memory layouts (the fuzz tests'). */
export interface CaseVariant {
  /** Seed of the generated values (default: one fixed per case and input). */
  seed?: number;
  /** Layout per input, overriding the case's. */
  layouts?: readonly (Layout | undefined)[];
}

async function buildInputs(c: OpCase, dtype: DType, ctx: Context, device: string, variant: CaseVariant = {}) {
  const tensors: Tensor[] = [];
  const refs: Ref[] = [];
  for (const [i, spec] of c.inputs.entries()) {
    const d = spec.dtype ?? dtype;
    const seed = variant.seed === undefined ? seedOf(c.name, i) : seedOf(`${variant.seed}`, i);
    const values = specValues(spec, d, seed);
    // The reference sees the values exactly as stored at this dtype.
    const stored = tensor(values, spec.shape, { dtype: d, context: ctx });
    refs.push(ref(spec.shape, await stored.data()));
    stored.dispose();
    const layout = variant.layouts?.[i] ?? spec.layout;
    tensors.push(makeInput(ctx, device, { ...spec, layout }, d, values));
  }
  return { tensors, refs };
}

/**
 * Runs one case at one dtype on a device and compares it with the reference: null when it agrees,
 * else what differs. The conformance suite and the fuzz tests both check cases this way.
 */
export async function checkCase(
  c: OpCase,
  dtype: DType,
  ctx: Context,
  device: string,
  options: { tolScale?: number; variant?: CaseVariant } = {},
): Promise<string | null> {
  const { tensors, refs } = await buildInputs(c, dtype, ctx, device, options.variant);
  const raw = c.run(tensors);
  const outs = Array.isArray(raw) ? raw : [raw];
  try {
    const expectedRaw = c.ref(refs, dtype);
    const expected = Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw];
    if (outs.length !== expected.length) return `${outs.length} outputs, expected ${expected.length}`;
    for (const [k, out] of outs.entries()) {
      if (out.device !== device) return `output ${k} is on ${out.device}, expected ${device}`;
      if (out.shape.join() !== expected[k].shape.join())
        return `output ${k} has shape [${out.shape.join(', ')}], expected [${expected[k].shape.join(', ')}]`;
      const tol = isFloat(out.dtype) ? tolerance(out.dtype, (c.tol ?? 1e-5) * (options.tolScale ?? 1)) : 0;
      const bad = firstMismatch(await out.data(), expected[k].data, tol);
      if (bad) return `output ${k} (${out.dtype}, tol ${tol}): ${bad}`;
    }
    return null;
  } finally {
    for (const t of [...tensors, ...outs]) if (!t.isDisposed) t.dispose();
  }
}

/** Registers the conformance suite for one backend with vitest. */
export function describeConformance(options: ConformanceOptions): void {
  const groups = options.groups ?? ALL_GROUPS;
  const claimed = options.dtypes;
  const scale = options.tolScale ?? 1;
  describe(`conformance: ${options.name}`, () => {
    for (const group of groups) {
      for (const c of group.cases) {
        const dtypes = (c.dtypes ?? ['f32', 'f64']).filter((d) => !claimed || claimed.includes(d));
        for (const dtype of dtypes) {
          it(`${c.op}: ${c.name} [${dtype}]`, async () => {
            const ctx = await options.context();
            expect(await checkCase(c, dtype, ctx, options.device, { tolScale: scale })).toBeNull();
          });
        }
        it(`${c.op}: ${c.name} rejects a disposed input`, async () => {
          const ctx = await options.context();
          const dtype = (c.dtypes ?? ['f32'])[0];
          const { tensors } = await buildInputs(c, dtype, ctx, options.device);
          tensors[0].dispose();
          let err: unknown;
          try {
            c.run(tensors);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(TesseraError);
          expect((err as Error).message).toMatch(/disposed/);
          for (const t of tensors) t.dispose();
        });
      }
      for (const e of group.errors) {
        it(`${e.op}: rejects ${e.name}`, async () => {
          const ctx = await options.context();
          const made: Tensor[] = [];
          const h: ErrorHelpers = {
            ctx,
            device: options.device,
            t: (shape, dtype = 'f32', values) => {
              const n = shape.reduce((a, b) => a * b, 1);
              const t = tensor(values ?? Array.from({ length: n }, (_, i) => (i % 7) - 3), shape, {
                dtype,
                device: options.device,
                context: ctx,
              });
              made.push(t);
              return t;
            },
          };
          let err: unknown;
          try {
            e.run(h);
          } catch (x) {
            err = x;
          }
          expect(err, 'expected an error').toBeInstanceOf(Error);
          const msg = (err as Error).message;
          expect(msg.startsWith(`${e.op}:`) || msg.includes(`${e.op}:`), msg).toBe(true);
          for (const m of e.mentions) expect(msg).toContain(m);
          for (const t of made) t.dispose();
        });
      }
    }
  });
}
