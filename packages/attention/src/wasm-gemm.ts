/**
 * An f32 tile product in WebAssembly SIMD, emitted as bytes at run time (no build step, no
 * binary in the repository):
 *
 *   C[m×n] (+)= op(A) · B[k×n],  op(A)[i, t] at a + i·si + t·st (byte strides),
 *
 * with B and C row-major (row strides ldb, ldc in bytes) and n a multiple of 8. A 4×8 block of C
 * lives in eight f32x4 registers; each step t broadcasts four elements of A and loads two
 * vectors of B, i.e. 8 multiply-adds per load. Rows past the last multiple of 4 run a 1×8 block.
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
const I32 = 0x7f;
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

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const params = new Array(11).fill(I32);
  // biome-ignore format: one line per section
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, ...uleb(params.length), ...params, 0]),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('gemm'), 0x00, 0]),
    ...section(10, [1, ...functionBody()]),
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
export function wasmTiles(floats: number): { heap: Float32Array; gemm: WasmGemm } | null {
  const mod = compiledModule();
  if (!mod) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
  const instance = new WebAssembly.Instance(mod, { env: { memory } });
  return { heap: new Float32Array(memory.buffer, 0, floats), gemm: instance.exports.gemm as WasmGemm };
}

export const moduleBytesForTest = moduleBytes;
