import type { Backend } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';

/** A refcounted buffer on one backend; tensor handles (views included) share it. */
export class Storage {
  refs = 0;
  freed = false;
  readonly bytes: number;
  constructor(
    readonly backend: Backend,
    readonly buffer: unknown,
    readonly dtype: DType,
    readonly size: number,
    private readonly onFree: (s: Storage) => void,
  ) {
    this.bytes = size * bytesPerElement(dtype);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0 && !this.freed) {
      this.freed = true;
      this.backend.release(this.buffer, this.dtype, this.size);
      this.onFree(this);
    }
  }
}
