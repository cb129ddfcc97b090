import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/backend.js';
import { createContext } from './default-context.js';
import { dispatch } from './dispatch.js';
import { allocArray, type DType, type TypedArray } from './dtype.js';
import { defineOp, type OpDef } from './op.js';
import type { CoreOpName } from './op-names.js';
import { tensor } from './ops/creation.js';
import { add, exp, mul } from './ops/elementwise.js';
import type { Tensor } from './tensor.js';

/** A second device that has kernels for add only; everything else must fall back. */
class AddOnlyBackend implements Backend {
  readonly device = 'addonly';
  private readonly cpu = new CpuBackend();
  ran: string[] = [];
  allocate(dtype: DType, size: number): TypedArray {
    return allocArray(dtype, size);
  }
  upload(_: DType, data: TypedArray): TypedArray {
    return data.slice();
  }
  release(): void {}
  async read(buffer: unknown): Promise<TypedArray> {
    return (buffer as TypedArray).slice();
  }
  readSync(buffer: unknown): TypedArray {
    return (buffer as TypedArray).slice();
  }
  supports(def: OpDef): boolean {
    return def.name === 'add';
  }
  execute(def: OpDef, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: unknown): void {
    this.ran.push(def.name);
    this.cpu.execute(def, inputs, outputs, attrs);
  }
  kernelNames(): readonly CoreOpName[] {
    return ['add'];
  }
}

describe('dispatch', () => {
  it('middleware sees every op with its inputs and inferred outputs, outermost first', () => {
    const ctx = createContext();
    const seen: string[] = [];
    const remove = ctx.use((call, next) => {
      seen.push(`${call.def.name}:${call.outputs[0].shape.join('x')}`);
      return next();
    });
    const a = tensor([[1, 2]], { context: ctx });
    mul(add(a, 1), a);
    remove();
    exp(a);
    expect(seen).toEqual(['add:1x2', 'mul:1x2']);
  });

  it('a missing kernel falls back to the CPU, with copies in and out', () => {
    const ctx = createContext();
    const dev = new AddOnlyBackend();
    ctx.registerBackend(dev);
    const a = tensor([0, 1, 2], { context: ctx, device: 'addonly' });
    const b = add(a, a);
    expect(dev.ran).toEqual(['add']);
    const e = exp(b);
    expect(e.device).toBe('addonly');
    expect(Array.from(e.dataSync())).toEqual([1, Math.fround(Math.exp(2)), Math.fround(Math.exp(4))]);
  });

  it('a composite op without a kernel runs its decomposition, unseen by middleware', () => {
    const ctx = createContext();
    const square = defineOp({
      name: 'squarePlusOne',
      differentiable: false,
      infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
      decompose: ([x]) => [add(mul(x, x), 1)],
    });
    const seen: string[] = [];
    ctx.use((call, next) => {
      seen.push(call.def.name);
      return next();
    });
    const x = tensor([1, 2, 3], { context: ctx });
    const before = ctx.memory().tensors;
    const [y] = dispatch(square, [x], {});
    expect(Array.from(y.dataSync())).toEqual([2, 5, 10]);
    expect(seen).toEqual(['squarePlusOne']);
    // Intermediates of the decomposition are freed: only y is new.
    expect(ctx.memory().tensors).toBe(before + 1);
  });

  it('an op carrying its own CPU kernel runs it (custom ops)', () => {
    const ctx = createContext();
    const twice = defineOp({
      name: 'twice',
      differentiable: false,
      infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
      kernels: {
        cpu: ([x]: { data: Float32Array }[], [out]: { data: Float32Array }[]) => {
          for (let i = 0; i < out.data.length; i++) out.data[i] = 2 * x.data[i];
        },
      },
    });
    const [y] = dispatch(twice, [tensor([1, 2], { context: ctx })], {});
    expect(Array.from(y.dataSync())).toEqual([2, 4]);
  });

  it('inputs on different devices are rejected, naming the op and devices', () => {
    const ctx = createContext();
    ctx.registerBackend(new AddOnlyBackend());
    const a = tensor([1], { context: ctx });
    const b = tensor([1], { context: ctx, device: 'addonly' });
    expect(() => add(a, b)).toThrow(
      /^add: inputs are on different devices \(\[1\] f32 on cpu, \[1\] f32 on addonly\)/,
    );
  });
});
