/**
 * The job header at the start of wasm memory (i32 words), shared by the calling thread and
 * the workers. A job is `fn(...args, task)` for tasks 0 … n−1:
 * - GEN: job counter; workers sleep on it (Atomics.wait) and wake when it changes.
 * - NEXT: (GEN mod 2¹⁵) << 16 | tasks not yet claimed. Threads claim the highest unclaimed task
 *   with a compare-exchange that also checks the job stamp, so a thread that is late for a
 *   job (or reads half-written arguments of the next one) can never claim a task of another.
 * - DONE: tasks finished; the caller sleeps on it until it reaches n.
 * - ERR: set when a task threw in a worker: −1 while the message is written, then its length + 1;
 *   the message (ASCII, at most ERR_MAX bytes) is at byte ERR_TEXT.
 * - FN, NARGS, ARGS: the export's index in the worker's list and its leading arguments.
 */
export const GEN = 0;
export const NEXT = 1;
export const DONE = 2;
export const FN = 3;
export const NARGS = 4;
/** Set by a worker whose task threw (see above); the caller reports it once the job is over. */
export const ERR = 5;
/** Byte offset and capacity of a failing worker's message, past the arguments. */
export const ERR_TEXT = 128;
export const ERR_MAX = 127;
export const ARGS = 8;
export const MAX_ARGS = 24;
/** At most this many tasks per job (the low 16 bits of NEXT). */
export const MAX_TASKS = 0xffff;
/** Bytes reserved for the header; scratch memory starts here. */
export const HEADER_BYTES = 256;
