import type { Backend } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';

/** How a storage's buffer went: every handle disposed, or the last one collected undisposed. */
export type FreedBy = 'dispose' | 'gc';

/**
 * The reference count and release of one storage, kept apart from the Storage so that the
 * garbage-collection safety net can hold it for a collected handle without holding the buffer:
 * a buffer the JavaScript collector reclaims by itself (a CPU typed array) then goes with the
 * last handle, even while the cleanup callback that does the accounting waits for its turn.
 */
export class StorageShare {
  refs = 0;
  freed = false;
  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly size: number,
    readonly bytes: number,
    /** Set only for backends whose buffers need an explicit release (GPU buffers into their pool). */
    private readonly heldBuffer: unknown,
    private readonly onFree: (bytes: number, by: FreedBy) => void,
  ) {}

  /** Drops one reference; the last one releases `buffer` (the held one on the GC path). */
  release(buffer: unknown, by: FreedBy): void {
    if (--this.refs === 0 && !this.freed) {
      this.freed = true;
      this.backend.release(buffer ?? this.heldBuffer, this.dtype, this.size);
      this.onFree(this.bytes, by);
    }
  }
}

/** A refcounted buffer on one backend; tensor handles (views included) share it. */
export class Storage {
  readonly bytes: number;
  readonly share: StorageShare;
  constructor(
    readonly backend: Backend,
    readonly buffer: unknown,
    readonly dtype: DType,
    readonly size: number,
    onFree: (bytes: number, by: FreedBy) => void,
  ) {
    this.bytes = size * bytesPerElement(dtype);
    const held = backend.collectsBuffers ? undefined : buffer;
    this.share = new StorageShare(backend, dtype, size, this.bytes, held, onFree);
  }

  get refs(): number {
    return this.share.refs;
  }

  get freed(): boolean {
    return this.share.freed;
  }

  retain(): void {
    this.share.refs++;
  }

  release(): void {
    this.share.release(this.buffer, 'dispose');
  }
}
