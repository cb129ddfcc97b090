import { TesseraError } from '@tessera/core';

/** Throws when `options` has a key outside `known`, naming it (a misspelt option is not ignored). */
export function checkOptionKeys(op: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new TesseraError(op, `unknown option '${key}' (known options: ${known.join(', ')})`);
  }
}
