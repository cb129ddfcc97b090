import type { DType } from './dtype.js';
import type { StorageShare } from './storage.js';

/**
 * What the garbage-collection safety net keeps for one live tensor handle: its share of a
 * storage and, in debug mode, where it was made. Never the handle itself (that would keep it
 * reachable), and never a buffer the collector frees by itself (see Backend.collectsBuffers).
 */
export interface Lease {
  /** Mutable: `assign()` moves a handle to another storage. */
  share: StorageShare;
  readonly device: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The creation stack, recorded in debug mode only. */
  readonly site: string | undefined;
}

/** A tensor handle that was garbage-collected without dispose(), as debug mode reports it. */
export interface ReclaimReport {
  readonly device: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The stack where the tensor was created. */
  readonly site: string;
}

/** The creation stack without the Error line and the frames of the constructor that records it. */
export function creationSite(): string {
  const stack = new Error('created here').stack ?? '';
  const lines = stack.split('\n').slice(1);
  const first = lines.findIndex((l) => !/\b(trackTensor|new Tensor|newTensor)\b/.test(l));
  return (first > 0 ? lines.slice(first) : lines).join('\n') || '(no stack)';
}
