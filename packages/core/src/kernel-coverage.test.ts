import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu/backend.js';
import type { CpuKernel } from './cpu/types.js';
import { TesseraError } from './errors.js';
import { CORE_OP_NAMES, type CoreOpTable, opTableMap } from './op-names.js';
import { BINARY, UNARY } from './ops/elementwise-table.js';
import { CORE_OPS } from './ops/index.js';

const noop: CpuKernel = () => {};

describe('op names', () => {
  it('CORE_OP_NAMES lists exactly the ops core defines, once each', () => {
    const defined = CORE_OPS.map((d) => d.name);
    expect(new Set(defined).size).toBe(defined.length);
    expect([...CORE_OP_NAMES].sort()).toEqual([...defined].sort());
  });

  it('each elementwise table entry carries its own key as its name', () => {
    const mismatched = [...Object.entries(UNARY), ...Object.entries(BINARY)].filter(([k, e]) => e.name !== k);
    expect(mismatched.map(([k]) => k)).toEqual([]);
  });

  it('a table keyed by a misspelled op name does not compile', () => {
    // @ts-expect-error 'sigmod' is not a core op name (typecheck fails if this ever compiles).
    const table: CoreOpTable<CpuKernel> = { sigmod: noop };
    expect(Object.keys(table)).toEqual(['sigmod']);
  });

  it('building a kernel map from a table with an unknown name throws, naming the key', () => {
    const misspelled = { sigmod: noop } as CoreOpTable<CpuKernel>;
    expect(() => opTableMap('TestBackend', [{ relu: noop }, misspelled])).toThrow(TesseraError);
    expect(() => opTableMap('TestBackend', [misspelled])).toThrow(/^TestBackend: 'sigmod' names no core op/);
  });

  it('building a kernel map with one op in two tables throws', () => {
    expect(() => opTableMap('TestBackend', [{ relu: noop }, { relu: noop }])).toThrow(
      "TestBackend: two tables define 'relu'",
    );
  });
});

describe('CPU kernel coverage', () => {
  const cpu = new CpuBackend({ threads: 1, simd: false });
  const names = new Set<string>(cpu.kernelNames());

  it('every core op that is not a view, a run or a decomposition has a CPU kernel', () => {
    const needKernel = CORE_OPS.filter((d) => !d.decompose && !d.view && !d.run).map((d) => d.name);
    expect(needKernel.length).toBeGreaterThan(50);
    expect(needKernel.filter((n) => !names.has(n))).toEqual([]);
  });

  it('the CPU backend keeps kernels of its own for the decomposable ops (the decompositions are checked against them)', () => {
    const decomposable = CORE_OPS.filter((d) => d.decompose).map((d) => d.name);
    expect(decomposable.filter((n) => !names.has(n))).toEqual([]);
  });

  it('views and runs need no kernel, and have none', () => {
    const noKernel = CORE_OPS.filter((d) => d.view || d.run).map((d) => d.name);
    expect(noKernel.filter((n) => names.has(n))).toEqual([]);
  });
});
