/** Backends that run the whole conformance suite in CI, as the README table lists them. */
export const SUPPORT_TABLE_BACKENDS: readonly string[] = ['cpu'];
