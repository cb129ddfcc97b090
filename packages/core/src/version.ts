import { version as packageVersion } from '../package.json';

/**
 * The version of this copy of @tessera/core, read from its package.json at build time (the bundler
 * inlines the one field). Tensors carry it (see `CORE_VERSION` in is-tensor.ts), so that an op handed
 * a tensor made by a second copy of core can say which two versions are loaded.
 */
export const version: string = packageVersion;
