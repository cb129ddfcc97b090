/**
 * An f32 tile product in WebAssembly SIMD, emitted as bytes at run time (no build step, no
 * binary in the repository):
 *
 *   C[m×n] (+)= op(A) · B[k×n],  op(A)[i, t] at a + i·si + t·st (byte strides),
 *
 * with B and C row-major (row strides ldb, ldc in bytes) and n a multiple of 8. A 4×8 block of C
 * lives in eight f32x4 registers; each step t broadcasts four elements of A and loads two
 * vectors of B, i.e. 8 multiply-adds per load. Rows past the last multiple of 4 run a 1×8 block.
 *
 * And the exponentials of the online softmax, four at a time:
 *
 *   expShift(p, n, m): x_i ← e^(x_i − m) for n (a multiple of 4) floats at p; returns Σ e^(x_i − m)
 *
 * by range reduction x = k·ln 2 + r (|r| ≤ ln 2 / 2), a degree-6 polynomial for e^r and 2^k
 * built in the exponent bits; about 1 ulp of f32, inputs clamped to [−87, 88].
 */

// Opcodes (WebAssembly core and SIMD proposals).
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_SHL = 0x74;
const I32_GE_S = 0x4e;
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const F32_LOAD = 0x2a;
const VOID = 0x40;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_STORE = [SIMD, 0x0b];
const V128_CONST = [SIMD, 0x0c];
const F32X4_SPLAT = [SIMD, 0x13];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_SUB = [SIMD, 0xe5, 0x01];
const F32X4_MAX = [SIMD, 0xe9, 0x01];
const F32X4_MIN = [SIMD, 0xe8, 0x01];
const F32X4_FLOOR = [SIMD, 0x68];
const F32X4_EXTRACT_LANE = [SIMD, 0x1f];
const I32X4_TRUNC_SAT_F32X4_S = [SIMD, 0xf8, 0x01];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const I32X4_SHL = [SIMD, 0xab, 0x01];
const F32_ADD = 0x92;
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Parameters (all i32): a, si, st, b, ldb, c, ldc, m, n, k, accumulate.
const P = { a: 0, si: 1, st: 2, b: 3, ldb: 4, c: 5, ldc: 6, m: 7, n: 8, k: 9, acc: 10 };
// i32 locals after the parameters, then v128 locals.
const L = { i: 11, j: 12, t: 13, pa: 14, pb: 15, pc: 16, rows: 17, si2: 18, si3: 19 };
const I32_LOCALS = 9;
const V = 20; // v128 locals: c00 c01 c10 c11 c20 c21 c30 c31, then b0 b1, then the splat of A
const V128_LOCALS = 11;

/** The instructions of one r×8 block (r = 4 or 1) at rows i, columns j. */
function block(r: number): number[] {
  const code: number[] = [];
  const get = (x: number) => code.push(LOCAL_GET, x);
  const set = (x: number) => code.push(LOCAL_SET, x);
  const memarg = (offset: number) => [4, ...uleb(offset)]; // align 2^4
  // pc = c + i·ldc + 4j
  get(P.c);
  get(L.i);
  get(P.ldc);
  code.push(I32_MUL, I32_ADD);
  get(L.j);
  code.push(I32_CONST, 2, I32_SHL, I32_ADD);
  set(L.pc);
  // Accumulators: load C when accumulating, else zeros.
  for (let row = 0; row < r; row++) {
    for (let half = 0; half < 2; half++) {
      const acc = V + row * 2 + half;
      get(P.acc);
      code.push(IF, V128);
      get(L.pc);
      if (row > 0) {
        get(P.ldc);
        code.push(I32_CONST, ...sleb(row), I32_MUL, I32_ADD);
      }
      code.push(...V128_LOAD, ...memarg(half * 16));
      code.push(ELSE, ...V128_CONST, ...new Array(16).fill(0), END);
      set(acc);
    }
  }
  // pa = a + i·si, pb = b + 4j
  get(P.a);
  get(L.i);
  get(P.si);
  code.push(I32_MUL, I32_ADD);
  set(L.pa);
  get(P.b);
  get(L.j);
  code.push(I32_CONST, 2, I32_SHL, I32_ADD);
  set(L.pb);
  // for t in [0, k)
  code.push(I32_CONST, 0);
  set(L.t);
  code.push(BLOCK, VOID, LOOP, VOID);
  get(L.t);
  get(P.k);
  code.push(I32_GE_S, BR_IF, 1);
  get(L.pb);
  code.push(...V128_LOAD, ...memarg(0));
  set(V + 8);
  get(L.pb);
  code.push(...V128_LOAD, ...memarg(16));
  set(V + 9);
  for (let row = 0; row < r; row++) {
    // splat(A[i + row, t]) at pa + row·si
    get(L.pa);
    if (row === 1) get(P.si);
    if (row === 2) get(L.si2);
    if (row === 3) get(L.si3);
    if (row > 0) code.push(I32_ADD);
    code.push(F32_LOAD, 2, 0, ...F32X4_SPLAT);
    set(V + 10); // the splat, used by both halves of the row
    for (let half = 0; half < 2; half++) {
      const acc = V + row * 2 + half;
      get(acc);
      get(V + 10);
      get(V + 8 + half);
      code.push(...F32X4_MUL, ...F32X4_ADD);
      set(acc);
    }
  }
  // pa += st, pb += ldb, t++
  get(L.pa);
  get(P.st);
  code.push(I32_ADD);
  set(L.pa);
  get(L.pb);
  get(P.ldb);
  code.push(I32_ADD);
  set(L.pb);
  get(L.t);
  code.push(I32_CONST, 1, I32_ADD);
  set(L.t);
  code.push(BR, 0, END, END);
  // Store the block.
  for (let row = 0; row < r; row++) {
    for (let half = 0; half < 2; half++) {
      get(L.pc);
      if (row > 0) {
        get(P.ldc);
        code.push(I32_CONST, ...sleb(row), I32_MUL, I32_ADD);
      }
      get(V + row * 2 + half);
      code.push(...V128_STORE, ...memarg(half * 16));
    }
  }
  return code;
}

/** for j in [0, n) step 8 { body } */
function columns(body: number[]): number[] {
  // biome-ignore format: one line per instruction group
  return [
    I32_CONST, 0, LOCAL_SET, L.j,
    BLOCK, VOID, LOOP, VOID,
    LOCAL_GET, L.j, LOCAL_GET, P.n, I32_GE_S, BR_IF, 1,
    ...body,
    LOCAL_GET, L.j, I32_CONST, 8, I32_ADD, LOCAL_SET, L.j,
    BR, 0, END, END,
  ];
}

function functionBody(): number[] {
  const code: number[] = [];
  // si2 = 2·si, si3 = 3·si; rows = m − m mod 4
  code.push(LOCAL_GET, P.si, I32_CONST, 2, I32_MUL, LOCAL_SET, L.si2);
  code.push(LOCAL_GET, P.si, I32_CONST, 3, I32_MUL, LOCAL_SET, L.si3);
  code.push(LOCAL_GET, P.m, LOCAL_GET, P.m, I32_CONST, 3, I32_AND, I32_SUB, LOCAL_SET, L.rows);
  // for i in [0, rows) step 4: 4×8 blocks
  code.push(I32_CONST, 0, LOCAL_SET, L.i, BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, L.i, LOCAL_GET, L.rows, I32_GE_S, BR_IF, 1);
  code.push(...columns(block(4)));
  code.push(LOCAL_GET, L.i, I32_CONST, 4, I32_ADD, LOCAL_SET, L.i, BR, 0, END, END);
  // for i in [rows, m): 1×8 blocks
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, L.i, LOCAL_GET, P.m, I32_GE_S, BR_IF, 1);
  code.push(...columns(block(1)));
  code.push(LOCAL_GET, L.i, I32_CONST, 1, I32_ADD, LOCAL_SET, L.i, BR, 0, END, END);
  code.push(END);
  const locals = [2, ...uleb(I32_LOCALS), I32, ...uleb(V128_LOCALS), V128];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/** v128.const with four equal f32 lanes. */
function f32x4Const(x: number): number[] {
  return [...V128_CONST, ...new Uint8Array(new Float32Array([x, x, x, x]).buffer)];
}

function i32x4Const(x: number): number[] {
  return [...V128_CONST, ...new Uint8Array(new Int32Array([x, x, x, x]).buffer)];
}

/** expShift(p: i32, n: i32, m: f32) → f32, as described at the top. */
function expShiftBody(): number[] {
  // params: 0 p, 1 n, 2 m; locals: 3 end (i32); 4 shift, 5 x, 6 k, 7 y, 8 sum (v128)
  const [p, n, m, end, shift, x, k, y, sum] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const get = (i: number) => [LOCAL_GET, i];
  const set = (i: number) => [LOCAL_SET, i];
  // Horner step: y ← y·x + c
  const horner = (c: number) => [
    ...get(y),
    ...get(x),
    ...F32X4_MUL,
    ...f32x4Const(c),
    ...F32X4_ADD,
    ...set(y),
  ];
  const code = [
    ...get(p), ...get(n), I32_CONST, 2, I32_SHL, I32_ADD, ...set(end),
    ...get(m), ...F32X4_SPLAT, ...set(shift),
    ...f32x4Const(0), ...set(sum),
    BLOCK, VOID, LOOP, VOID,
    ...get(p), ...get(end), I32_GE_S, BR_IF, 1,
    // x = clamp(v − m, −87, 88)
    ...get(p), ...V128_LOAD, 4, 0, ...get(shift), ...F32X4_SUB,
    ...f32x4Const(-87), ...F32X4_MAX, ...f32x4Const(88), ...F32X4_MIN, ...set(x),
    // k = floor(x·log2 e + 1/2); r = x − k·ln 2 (ln 2 split in two for exactness)
    ...get(x), ...f32x4Const(Math.LOG2E), ...F32X4_MUL, ...f32x4Const(0.5), ...F32X4_ADD, ...F32X4_FLOOR, ...set(k),
    ...get(x), ...get(k), ...f32x4Const(0.693359375), ...F32X4_MUL, ...F32X4_SUB,
    ...get(k), ...f32x4Const(-2.12194440e-4), ...F32X4_MUL, ...F32X4_SUB, ...set(x),
    // e^r ≈ 1 + r + r²·(1/2 + r/6 + r²/24 + …), the Taylor-like minimax coefficients
    ...f32x4Const(1.9875691500e-4), ...set(y),
    ...horner(1.3981999507e-3), ...horner(8.3334519073e-3), ...horner(4.1665795894e-2),
    ...horner(1.6666665459e-1), ...horner(5.0000001201e-1),
    ...get(y), ...get(x), ...get(x), ...F32X4_MUL, ...F32X4_MUL, ...get(x), ...F32X4_ADD,
    ...f32x4Const(1), ...F32X4_ADD,
    // · 2^k: (k + 127) << 23 is the bit pattern of 2^k
    ...get(k), ...I32X4_TRUNC_SAT_F32X4_S, ...i32x4Const(127), ...I32X4_ADD, I32_CONST, 23, ...I32X4_SHL,
    ...F32X4_MUL, ...set(y),
    ...get(p), ...get(y), ...V128_STORE, 4, 0,
    ...get(sum), ...get(y), ...F32X4_ADD, ...set(sum),
    ...get(p), I32_CONST, 16, I32_ADD, ...set(p),
    BR, 0, END, END,
    ...get(sum), ...F32X4_EXTRACT_LANE, 0, ...get(sum), ...F32X4_EXTRACT_LANE, 1, F32_ADD,
    ...get(sum), ...F32X4_EXTRACT_LANE, 2, F32_ADD, ...get(sum), ...F32X4_EXTRACT_LANE, 3, F32_ADD,
    END,
  ]; // biome-ignore format: instruction layout
  const locals = [2, 1, I32, 5, V128];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const params = new Array(11).fill(I32);
  // biome-ignore format: one line per section
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, ...uleb(params.length), ...params, 0, 0x60, 3, I32, I32, F32, 1, F32]),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 1]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...str('gemm'), 0x00, 0, ...str('expShift'), 0x00, 1]),
    ...section(10, [2, ...functionBody(), ...expShiftBody()]),
  ];
  return new Uint8Array(bytes);
}

export type WasmGemm = (
  a: number,
  si: number,
  st: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
  accumulate: number,
) => void;

/**
 * The compiled module, made on first use. A memo of a pure constant: nothing observable
 * changes, and each kernel call instantiates it over memory of its own.
 */
let compiled: WebAssembly.Module | null | undefined;

function compiledModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled =
      typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes)
        ? new WebAssembly.Module(bytes)
        : null;
  }
  return compiled;
}

/** f32 scratch of `floats` elements in fresh wasm memory with the SIMD product over it, or null. */
export type WasmExpShift = (p: number, n: number, m: number) => number;

export function wasmTiles(
  floats: number,
): { heap: Float32Array; gemm: WasmGemm; expShift: WasmExpShift } | null {
  const mod = compiledModule();
  if (!mod) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
  const instance = new WebAssembly.Instance(mod, { env: { memory } });
  return {
    heap: new Float32Array(memory.buffer, 0, floats),
    gemm: instance.exports.gemm as WasmGemm,
    expShift: instance.exports.expShift as WasmExpShift,
  };
}

export const moduleBytesForTest = moduleBytes;
