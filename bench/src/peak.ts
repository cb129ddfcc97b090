/**
 * The machine's own limit for 128-bit WebAssembly SIMD on one core: a tight loop of
 * independent f32x4 multiply-adds (acc_j += x · y_j, ten accumulators, operands in L1), as
 * close to what a matmul microkernel can reach as WebAssembly allows. Hand-encoded module.
 * With `fma` each step is one relaxed SIMD f32x4.relaxed_madd instead of f32x4.mul then
 * f32x4.add (the engine must have relaxed SIMD: Node 20 with --experimental-wasm-relaxed-simd).
 */

const ACCS = 10;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function peakModule(fma: boolean): Uint8Array<ArrayBuffer> {
  // func (iters: i32, ptr: i32) -> f32; locals: ACCS + 1 v128
  const [iters, ptr] = [0, 1];
  const acc = (j: number) => 2 + j;
  const x = 2 + ACCS;
  const simd = (op: number) => [0xfd, ...leb(op)];
  const body: number[] = [1, ACCS + 1, 0x7b];
  body.push(0x03, 0x40); // loop
  body.push(0x20, ptr, ...simd(0x00), 4, ...leb(ACCS * 16), 0x21, x); // x = v128.load(ptr + 160)
  for (let j = 0; j < ACCS; j++) {
    if (fma) {
      body.push(0x20, x, 0x20, ptr, ...simd(0x00), 4, ...leb(j * 16), 0x20, acc(j)); // x, y_j, acc
      body.push(...simd(0x105), 0x21, acc(j)); // x·y_j + acc, fused
    } else {
      body.push(0x20, acc(j), 0x20, x, 0x20, ptr, ...simd(0x00), 4, ...leb(j * 16)); // acc, x, y_j
      body.push(...simd(0xe6), ...simd(0xe4), 0x21, acc(j)); // acc + x·y_j
    }
  }
  body.push(0x20, iters, 0x41, 1, 0x6b, 0x22, iters, 0x0d, 0, 0x0b); // while (--iters)
  body.push(0x20, acc(0));
  for (let j = 1; j < ACCS; j++) body.push(0x20, acc(j), ...simd(0xe4));
  body.push(...simd(0x1f), 0, 0x0b); // f32x4.extract_lane 0; end
  const sec = (id: number, c: number[]) => [id, ...leb(c.length), ...c];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...sec(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7d]),
    ...sec(3, [1, 0]),
    ...sec(5, [1, 0, 1]),
    ...sec(7, [2, 4, ...new TextEncoder().encode('peak'), 0, 0, 3, ...new TextEncoder().encode('mem'), 2, 0]),
    ...sec(10, [1, ...leb(body.length), ...body]),
  ]);
}

/**
 * Median GFLOP/s of the loop over `reps` timed calls, after a warm-up (to reach the optimizing
 * tier), by wall-clock time and by this thread's CPU time (what the core does while it runs us).
 */
export function simdPeakGflops(reps = 7, fma = false): { wall: number; cpu: number } {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(peakModule(fma)));
  const peak = inst.exports.peak as (iters: number, ptr: number) => number;
  const mem = new Float32Array((inst.exports.mem as WebAssembly.Memory).buffer);
  for (let i = 0; i < 64; i++) mem[i] = 1 + i * 1e-7;
  const iters = 20_000_000;
  for (let i = 0; i < 3; i++) peak(1_000_000, 0);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    peak(iters, 0);
    times.push(performance.now() - t0);
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(reps / 2)];
  const flop = iters * ACCS * 8;
  return { wall: flop / med(times) / 1e6, cpu: flop / med(cpu) / 1e6 };
}
