import { CORE_OPS, createContext, isCoreOpName } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { GRAD_RULES } from './rules/index.js';
import { describeGradChecks, GRAD_CASES } from './testing/index.js';

describeGradChecks({ name: 'cpu', device: 'cpu', context: () => createContext() });

describe('gradient rule coverage', () => {
  const differentiable = CORE_OPS.filter((d) => d.differentiable).map((d) => d.name);
  it('every differentiable core op has a rule', () => {
    expect(differentiable.filter((n) => !isCoreOpName(n) || !GRAD_RULES[n])).toEqual([]);
  });
  it('every differentiable core op has a gradient check', () => {
    // toDevice needs a second backend; the WebGPU package's run of the suite covers it.
    const covered = new Set(GRAD_CASES.map((c) => c.op));
    expect(differentiable.filter((n) => n !== 'toDevice' && !covered.has(n))).toEqual([]);
  });
});
