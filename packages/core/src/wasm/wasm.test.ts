import { describe, expect, it } from 'vitest';
import { compileModule, emitModule, FunctionBuilder, InvalidWasmModuleError, WasmModule } from './index.js';

describe('@tessera/core/wasm', () => {
  it('emits typed if, signed loops, i32x4 lanes and a memory without maximum', () => {
    // sum(p, n): Σ_{i<n} f(x_i) with f(x) = x < 0 ? 0 : 2^floor(x), four lanes at a time.
    const f = new FunctionBuilder('sum', ['i32', 'i32'], ['f32']);
    const [p, n] = [0, 1];
    const end = f.local('i32');
    const [x, acc] = [f.local('v128'), f.local('v128')];
    f.get(p).get(n).i32(2).op('i32.shl').op('i32.add').set(end);
    f.f32x4(0).set(acc);
    f.forLt(
      p,
      end,
      16,
      () => {
        f.get(p).load('v128').simd('f32x4.floor').set(x);
        // 2^x as bits: (x + 127) << 23, then zero the negative lanes
        f.get(x).simd('i32x4.trunc_sat_f32x4_s').i32x4(127).simd('i32x4.add').i32(23).simd('i32x4.shl');
        f.f32x4(0).get(x).f32x4(0).simd('f32x4.ge').simd('v128.bitselect');
        f.get(acc).simd('f32x4.add').set(acc);
      },
      true,
    );
    // A negative count runs no iteration under the signed compare; n = 0 returns -1 via a typed if.
    f.get(n).op('i32.eqz').if('f32').f32(-1).else();
    f.get(acc).simd('f32x4.extract_lane', 0);
    for (let lane = 1; lane < 4; lane++) f.get(acc).simd('f32x4.extract_lane', lane).op('f32.add');
    f.end();
    const mod = compileModule(emitModule([f], { initial: 1 }));
    expect(mod).toBeDefined();
    const memory = new WebAssembly.Memory({ initial: 2 }); // more than the import's minimum
    const sum = new WebAssembly.Instance(mod as WebAssembly.Module, { env: { memory } }).exports.sum as (
      p: number,
      n: number,
    ) => number;
    new Float32Array(memory.buffer).set([0.5, 1, 2.9, -3, 4, 5.5, -0.5, 3]);
    expect(sum(0, 8)).toBe(1 + 2 + 4 + 0 + 16 + 32 + 0 + 8);
    expect(sum(0, 0)).toBe(-1);
    expect(sum(0, -4)).toBe(0);
  });

  it('rejects a shared memory without maximum and bytes that do not validate', () => {
    expect(() => emitModule([], { initial: 1, shared: true })).toThrow(/maximum/);
    // Bytes that are no module at all: an error, not a silent fallback (see compileModule below).
    expect(() => compileModule(new Uint8Array([0, 1, 2]))).toThrow(InvalidWasmModuleError);
  });
});

describe('compileModule', () => {
  it('throws on invalid code where the engine has SIMD, naming the function, instead of falling back', () => {
    // f32x4.add with one operand on the stack: invalid on every engine.
    const bad = new FunctionBuilder('half_add', [], []);
    bad.f32x4(1).simd('f32x4.add').op('drop');
    const bytes = emitModule([bad], { initial: 1 });
    expect(() => compileModule(bytes)).toThrow(InvalidWasmModuleError);
    expect(() => compileModule(bytes, { names: ['half_add'] })).toThrow(
      /WebAssembly kernel module is invalid: .*function #0 \(half_add\) failed: not enough arguments/,
    );
    // The same through WasmModule.create (core's way to build kernel modules), on one thread and two.
    for (const threads of [1, 2])
      expect(() => WasmModule.create(threads, () => [bad])).toThrow(/#0 \(half_add\)/);
    const good = new FunctionBuilder('add', [], []);
    good.f32x4(1).f32x4(2).simd('f32x4.add').op('drop');
    expect(compileModule(emitModule([good], { initial: 1 }))).toBeInstanceOf(WebAssembly.Module);
  });
});
