import type { GpuBuffer } from './kernels/types.js';

/** Bytes rounded up to a size class: quarter steps between powers of two (≤ 25% waste), 256 B minimum. */
export function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 256);
  const p = 2 ** Math.floor(Math.log2(b));
  const step = Math.max(p / 4, 256);
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Bytes in buffers handed out to tensors. */
  liveBytes: number;
  /** Highest liveBytes seen. */
  peakBytes: number;
  /** Bytes idle in the pool, ready for reuse. */
  pooledBytes: number;
  /** Bytes released but still used by work not yet submitted. */
  pendingBytes: number;
  liveBuffers: number;
  pooledBuffers: number;
}

/**
 * Storage buffers pooled by size class. A released buffer may still be read by dispatches encoded
 * in the open batch; reusing it before that batch is submitted would let a queue.writeBuffer (which
 * runs ahead of unsubmitted work) overwrite it. So releases wait in `pending` until the next submit.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pending: GpuBuffer[] = [];
  private live = 0;
  private peak = 0;
  private pooled = 0;
  private pooledCount = 0;
  private liveCount = 0;
  private pendingBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    /** Idle bytes kept for reuse; beyond this, released buffers are destroyed. */
    private readonly maxPooledBytes: number,
    /** Wraps each new buffer's creation (the backend catches its errors in error scopes there). */
    private readonly guard: (create: () => GPUBuffer) => GPUBuffer = (create) => create(),
  ) {}

  acquire(bytes: number): GpuBuffer {
    const capacity = sizeClass(bytes);
    const list = this.free.get(capacity);
    const reused = list?.pop();
    if (reused) {
      this.pooled -= capacity;
      this.pooledCount--;
    }
    const buffer =
      reused ?? this.guard(() => this.device.createBuffer({ size: capacity, usage: this.usage }));
    this.live += capacity;
    this.liveCount++;
    if (this.live > this.peak) this.peak = this.live;
    // New buffers are zeroed by WebGPU; recycled ones are cleared only if read before written.
    return { buffer, capacity, bytes: Math.max(bytes, 4), needsClear: reused !== undefined, released: false };
  }

  /** Returns a buffer; `inFlight` when the open batch may still use it. */
  release(b: GpuBuffer, inFlight: boolean): void {
    if (b.released) return;
    b.released = true;
    b.host = undefined;
    this.live -= b.capacity;
    this.liveCount--;
    if (inFlight) {
      this.pending.push(b);
      this.pendingBytes += b.capacity;
    } else {
      this.recycle(b);
    }
  }

  /** After a submit: pending buffers are ordered behind that work and may be reused. */
  onSubmit(): void {
    const done = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const b of done) this.recycle(b);
  }

  private recycle(b: GpuBuffer): void {
    if (this.pooled + b.capacity > this.maxPooledBytes) {
      b.buffer.destroy(); // WebGPU defers the actual free until submitted work using it is done.
      return;
    }
    let list = this.free.get(b.capacity);
    if (!list) {
      list = [];
      this.free.set(b.capacity, list);
    }
    list.push(b.buffer);
    this.pooled += b.capacity;
    this.pooledCount++;
  }

  /** Destroys every idle buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const buf of list) buf.destroy();
    this.free.clear();
    this.pooled = 0;
    this.pooledCount = 0;
  }

  resetPeak(): void {
    this.peak = this.live;
  }

  stats(): PoolStats {
    return {
      liveBytes: this.live,
      peakBytes: this.peak,
      pooledBytes: this.pooled,
      pendingBytes: this.pendingBytes,
      liveBuffers: this.liveCount,
      pooledBuffers: this.pooledCount,
    };
  }
}
