import type { Context, DType } from '@tessera/core';
import { makeInput, specValues } from '@tessera/core/testing';
import { describe, it } from 'vitest';
import { checkGrad } from '../check-grad.js';
import { GRAD_CASES } from './cases/index.js';
import type { GradCase } from './types.js';

export interface GradCheckSuiteOptions {
  /** Label in test names, e.g. 'cpu' or 'webgpu'. */
  name: string;
  /** Device the inputs are placed on. */
  device: string;
  context: () => Context | Promise<Context>;
  /** Floating dtype of the inputs (default f64; a backend without f64 uses f32 and looser tolerances). */
  dtype?: DType;
  /** Cases to run (default: every case). */
  cases?: readonly GradCase[];
}

function seedOf(name: string, i: number): number {
  let h = 2166136261;
  for (const c of `${name}:${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Registers a gradient check of every case with vitest, for one backend. */
export function describeGradChecks(options: GradCheckSuiteOptions): void {
  const dtype = options.dtype ?? 'f64';
  describe(`gradient checks: ${options.name}`, () => {
    for (const c of options.cases ?? GRAD_CASES) {
      it(`${c.op}: ${c.name}`, async () => {
        const ctx = await options.context();
        const xs = c.inputs.map((spec, i) => {
          const d = spec.dtype ?? dtype;
          return makeInput(ctx, options.device, spec, d, specValues(spec, d, seedOf(c.name, i)));
        });
        try {
          await checkGrad((...ts) => c.run(ts), xs, { eps: c.eps, tol: c.tol });
        } finally {
          for (const x of xs) x.dispose();
        }
      });
    }
  });
}
