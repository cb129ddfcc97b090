import { fail } from '@tessera/core';

/** `v` if it is a positive number, else an error naming `op` and `name`. */
export function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    fail(op, `${name} must be a positive number, got ${String(v)}`);
  return v;
}

/** `v` if it is a positive safe integer, else an error naming `op` and `name`. */
export function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    fail(op, `${name} must be a positive integer, got ${String(v)}`);
  return v;
}
