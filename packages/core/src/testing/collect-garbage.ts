/**
 * A full garbage collection followed by a few turns of the event loop, so that the
 * FinalizationRegistry cleanups of the tensors it collected have run (they run between tasks,
 * never inside synchronous code). Needs `gc()`: the repository's vitest config starts test
 * workers with --expose-gc; without it this throws, so a test that relies on it fails
 * instead of passing vacuously.
 */
export async function collectGarbage(rounds = 3): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    throw new Error(
      'collectGarbage: gc() is not exposed; run node with --expose-gc (the repository vitest config does)',
    );
  }
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
