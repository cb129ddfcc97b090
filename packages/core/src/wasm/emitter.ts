/**
 * A minimal WebAssembly binary writer: enough of the format (types, one imported memory,
 * functions, exports, code) and of the instruction set (i32 arithmetic, control flow, f32 and
 * 128-bit SIMD loads/stores/arithmetic, f64 for sums) for kernels to be generated at run time, with no
 * toolchain outside this package. Encodings follow the WebAssembly core and SIMD specs. The
 * CPU backend's kernels use it, and other packages reach it as `@tessera/core/wasm`.
 */

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function str(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** SIMD opcodes (after the 0xfd prefix) used by the kernels. */
const SIMD = {
  'v128.load': 0x00,
  'v128.load32_splat': 0x09,
  'v128.store': 0x0b,
  'f32x4.splat': 0x13,
  'f32x4.extract_lane': 0x1f,
  'f64x2.extract_lane': 0x21,
  'f32x4.floor': 0x68,
  'i8x16.splat': 0x0f,
  'i8x16.ne': 0x24,
  'i16x8.extend_low_i8x16_s': 0x87,
  'i16x8.extend_high_i8x16_s': 0x88,
  'i32x4.extend_low_i16x8_s': 0xa7,
  'i32x4.extend_high_i16x8_s': 0xa8,
  'f32x4.eq': 0x41,
  'f32x4.ne': 0x42,
  'f32x4.lt': 0x43,
  'f32x4.gt': 0x44,
  'f32x4.le': 0x45,
  'f32x4.ge': 0x46,
  'i8x16.narrow_i16x8_s': 0x65,
  'i16x8.narrow_i32x4_s': 0x85,
  'i32x4.shl': 0xab,
  'i32x4.add': 0xae,
  'v128.and': 0x4e,
  'v128.andnot': 0x4f,
  'v128.or': 0x50,
  'v128.bitselect': 0x52,
  'f32x4.abs': 0xe0,
  'f32x4.neg': 0xe1,
  'f32x4.sqrt': 0xe3,
  'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6,
  'f32x4.div': 0xe7,
  'f32x4.min': 0xe8,
  'f32x4.max': 0xe9,
  'f32x4.pmin': 0xea,
  'f32x4.pmax': 0xeb,
  'i32x4.trunc_sat_f32x4_s': 0xf8,
  'f64x2.promote_low_f32x4': 0x5f,
  'f64x2.add': 0xf0,
  /** Relaxed SIMD: a·b + c, fused or not as the hardware prefers (see features.ts). */
  'f32x4.relaxed_madd': 0x105,
} as const;

export type SimdOp = keyof typeof SIMD;

/** Plain opcodes used by the kernels. */
const OP = {
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.ne': 0x47,
  'i32.lt_s': 0x48,
  'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a,
  'i32.le_s': 0x4c,
  'i32.gt_u': 0x4b,
  'i32.ge_s': 0x4e,
  'i32.le_u': 0x4d,
  'i32.ge_u': 0x4f,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.div_u': 0x6e,
  'i32.rem_u': 0x70,
  'i32.and': 0x71,
  'i32.or': 0x72,
  'i32.shl': 0x74,
  'i32.shr_u': 0x76,
  'f32.abs': 0x8b,
  'f32.neg': 0x8c,
  'f32.sqrt': 0x91,
  'f32.add': 0x92,
  'f32.sub': 0x93,
  'f32.mul': 0x94,
  'f32.div': 0x95,
  'f32.min': 0x96,
  'f32.max': 0x97,
  'f32.eq': 0x5b,
  'f32.ne': 0x5c,
  'f32.lt': 0x5d,
  'f32.gt': 0x5e,
  'f32.le': 0x5f,
  'f32.ge': 0x60,
  'f64.add': 0xa0,
  'f32.demote_f64': 0xb6,
  'f64.promote_f32': 0xbb,
  drop: 0x1a,
  select: 0x1b,
  return: 0x0f,
} as const;

export type PlainOp = keyof typeof OP;

const SCALAR_LOAD = { i32: 0x28, f32: 0x2a, f64: 0x2b } as const;
const SCALAR_STORE = { i32: 0x36, f32: 0x38, f64: 0x39 } as const;

/**
 * One function body. Locals are numbered after the parameters; `local()` declares one.
 * Control flow keeps WebAssembly's structured form: `block`/`loop`/`if` … `end`.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  op(name: PlainOp): this {
    this.code.push(OP[name]);
    return this;
  }

  simd(name: SimdOp, lane?: number): this {
    this.code.push(0xfd);
    uleb(SIMD[name], this.code);
    if (lane !== undefined) this.code.push(lane);
    return this;
  }

  get(i: number): this {
    this.code.push(0x20);
    uleb(i, this.code);
    return this;
  }

  set(i: number): this {
    this.code.push(0x21);
    uleb(i, this.code);
    return this;
  }

  tee(i: number): this {
    this.code.push(0x22);
    uleb(i, this.code);
    return this;
  }

  i32(n: number): this {
    this.code.push(0x41);
    sleb(n | 0, this.code);
    return this;
  }

  f32(x: number): this {
    this.code.push(0x43);
    const b = new Uint8Array(new Float32Array([x]).buffer);
    this.code.push(...b);
    return this;
  }

  /** i32x4 lanes picked from two vectors (0–3: the first, 4–7: the second), as i8x16.shuffle. */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    this.code.push(0xfd, 0x0d);
    for (const l of lanes) this.code.push(l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3);
    return this;
  }

  /** v128.const with four equal f32 lanes. */
  f32x4(x: number): this {
    return this.v128(new Float32Array([x, x, x, x]).buffer);
  }

  /** v128.const with four equal i32 lanes. */
  i32x4(n: number): this {
    return this.v128(new Int32Array([n, n, n, n]).buffer);
  }

  private v128(lanes: ArrayBuffer): this {
    this.code.push(0xfd, 0x0c, ...new Uint8Array(lanes));
    return this;
  }

  /** A memory access with a byte offset; `align` is log2 of the alignment hint. */
  private mem(align: number, offset: number): this {
    uleb(align, this.code);
    uleb(offset, this.code);
    return this;
  }

  load(type: ValType, offset = 0): this {
    if (type === 'v128') {
      this.code.push(0xfd);
      uleb(SIMD['v128.load'], this.code);
      return this.mem(4, offset);
    }
    this.code.push(SCALAR_LOAD[type]);
    return this.mem(type === 'f64' ? 3 : 2, offset);
  }

  /** i32.load8_u: one byte, zero-extended. */
  load8u(offset = 0): this {
    this.code.push(0x2d);
    return this.mem(0, offset);
  }

  /** i32.store8: the low byte of an i32. */
  store8(offset = 0): this {
    this.code.push(0x3a);
    return this.mem(0, offset);
  }

  store(type: ValType, offset = 0): this {
    if (type === 'v128') {
      this.code.push(0xfd);
      uleb(SIMD['v128.store'], this.code);
      return this.mem(4, offset);
    }
    this.code.push(SCALAR_STORE[type]);
    return this.mem(type === 'f64' ? 3 : 2, offset);
  }

  /** v128.load32_splat: one f32 from memory into all four lanes. */
  splatLoad(offset = 0): this {
    this.code.push(0xfd);
    uleb(SIMD['v128.load32_splat'], this.code);
    return this.mem(2, offset);
  }

  /** Calls function number `index` of the module (its position in `emitModule`'s list). */
  call(index: number): this {
    this.code.push(0x10);
    uleb(index, this.code);
    return this;
  }

  block(): this {
    this.code.push(0x02, 0x40);
    return this;
  }

  loop(): this {
    this.code.push(0x03, 0x40);
    return this;
  }

  /** `if`, leaving a value of type `result` on the stack (then both arms must), or none. */
  if(result?: ValType): this {
    this.code.push(0x04, result ? VALTYPE[result] : 0x40);
    return this;
  }

  else(): this {
    this.code.push(0x05);
    return this;
  }

  end(): this {
    this.code.push(0x0b);
    return this;
  }

  br(depth: number): this {
    this.code.push(0x0c);
    uleb(depth, this.code);
    return this;
  }

  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(depth, this.code);
    return this;
  }

  /** local[i] += step (i32). */
  inc(i: number, step: number | { local: number }): this {
    this.get(i);
    if (typeof step === 'number') this.i32(step);
    else this.get(step.local);
    return this.op('i32.add').set(i);
  }

  /**
   * `for (; local[i] < local[limit]; local[i] += step) body()` as block/loop, unsigned compare
   * (signed with `signed`); the counter must be initialised by the caller. `step` is a constant
   * or another local.
   */
  forLt(i: number, limit: number, step: number | { local: number }, body: () => void, signed = false): this {
    this.block().loop();
    this.get(i)
      .get(limit)
      .op(signed ? 'i32.ge_s' : 'i32.ge_u')
      .brIf(1);
    body();
    this.inc(i, step).br(0).end().end();
    return this;
  }

  bytes(): number[] {
    const body: number[] = [];
    // Locals, run-length grouped by type.
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, body);
    for (const [n, t] of groups) {
      uleb(n, body);
      body.push(VALTYPE[t]);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(body.length, out);
    out.push(...body);
    return out;
  }
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

/**
 * The bytes of a module: `Uint8Array<ArrayBuffer>` under TypeScript 5.7 and later (what
 * `WebAssembly.Module` takes there), a plain `Uint8Array` under earlier compilers, where typed arrays
 * are not generic. Spelled through `Uint8Array.from` so the published declarations compile with both.
 */
export type ModuleBytes = ReturnType<typeof Uint8Array.from>;

/**
 * A module importing `env.memory` of at least `initial` pages (at most `maximum` where given;
 * shared when `shared`, which needs a maximum, so worker instances see the same bytes) and
 * exporting every function by its name.
 */
export function emitModule(
  fns: readonly FunctionBuilder[],
  memory: { initial: number; maximum?: number; shared?: boolean },
): ModuleBytes {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(fns.length, types);
  for (const f of fns) {
    types.push(0x60);
    uleb(f.params.length, types);
    for (const p of f.params) types.push(VALTYPE[p]);
    uleb(f.results.length, types);
    for (const r of f.results) types.push(VALTYPE[r]);
  }
  section(1, types, out);
  const imports: number[] = [];
  uleb(1, imports);
  str('env', imports);
  str('memory', imports);
  const { initial, maximum, shared = false } = memory;
  if (shared && maximum === undefined) throw new Error('emitModule: shared memory needs a maximum');
  imports.push(0x02, shared ? 0x03 : maximum === undefined ? 0x00 : 0x01);
  uleb(initial, imports);
  if (maximum !== undefined) uleb(maximum, imports);
  section(2, imports, out);
  const funcs: number[] = [];
  uleb(fns.length, funcs);
  for (let i = 0; i < fns.length; i++) uleb(i, funcs);
  section(3, funcs, out);
  const exports: number[] = [];
  uleb(fns.length, exports);
  fns.forEach((f, i) => {
    str(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  uleb(fns.length, code);
  for (const f of fns) code.push(...f.bytes());
  section(10, code, out);
  return new Uint8Array(out);
}

/**
 * Whether this engine validates a module of SIMD code over a memory like the kernels' (shared
 * where `shared`: WebAssembly threads): what every kernel module needs besides valid code.
 */
function simdEngine(shared: boolean): boolean {
  const f = new FunctionBuilder('probe', [], []);
  f.f32x4(1).f32x4(2).simd('f32x4.add').op('drop');
  try {
    return WebAssembly.validate(emitModule([f], { initial: 1, maximum: 1, shared }));
  } catch {
    return false;
  }
}

/**
 * The compiled module, or undefined where this runtime has no WebAssembly or lacks what the
 * module needs (SIMD; threads when `options.shared`): callers fall back to their TypeScript
 * kernels. A module that an engine with those features still rejects is invalid code — an emitter
 * bug that a fallback would hide as a slowdown — and throws with the engine's CompileError message
 * (which names the function by index, and by name from `options.names`). Relaxed SIMD is not
 * probed here: generate its instructions only where `relaxedSimdSupported()` says the engine has
 * them.
 */
export function compileModule(
  bytes: ModuleBytes,
  options: { shared?: boolean; names?: readonly string[] } = {},
): WebAssembly.Module | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  try {
    return new WebAssembly.Module(bytes);
  } catch (e) {
    if (!simdEngine(options.shared ?? false)) return undefined;
    // Engines name functions by index; `names` (the FunctionBuilders' names in order) adds ours.
    const message = (e as Error).message.replace(/function #(\d+)/, (m, i: string) =>
      options.names?.[Number(i)] === undefined ? m : `${m} (${options.names[Number(i)]})`,
    );
    throw new InvalidWasmModuleError(`WebAssembly kernel module is invalid: ${message}`);
  }
}

/** A kernel module that an engine with SIMD rejects: a bug in its functions, not a missing feature. */
export class InvalidWasmModuleError extends Error {
  override readonly name = 'InvalidWasmModuleError';
}
