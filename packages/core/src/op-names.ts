import { fail } from './errors.js';
import { BINARY, type BinaryName, UNARY, type UnaryName } from './ops/elementwise-table.js';

/** Names of core's ops that are not in the elementwise table. */
const STRUCTURAL_OP_NAMES = [
  'copy',
  'cast',
  'toDevice',
  'where',
  'reshape',
  'permute',
  'slice',
  'expand',
  'concat',
  'sliceScatter',
  'gather',
  'indexSelect',
  'scatterAdd',
  'oneHot',
  'pad',
  'padBackward',
  'tril',
  'triu',
  'repeat',
  'flip',
  'sum',
  'mean',
  'prod',
  'max',
  'min',
  'argmax',
  'argmin',
  'var',
  'std',
  'logsumexp',
  'norm',
  'cumsum',
  'softmax',
  'logSoftmax',
  'matmul',
  'conv2d',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'maxPool2d',
  'avgPool2d',
  'maxPool2dBackward',
  'avgPool2dBackward',
] as const;

/** The name of an op core defines: the key type of every kernel and gradient-rule table. */
export type CoreOpName = UnaryName | BinaryName | (typeof STRUCTURAL_OP_NAMES)[number];

/**
 * A table keyed by core op name: a backend's kernels, autograd's rules. A misspelled key is a
 * compile error (and, for tables built in JavaScript, a runtime one in {@link opTableMap}).
 */
export type CoreOpTable<V> = { readonly [N in CoreOpName]?: V };

/** Every core op name; core's tests check it against the op definitions (CORE_OPS). */
export const CORE_OP_NAMES: readonly CoreOpName[] = Object.freeze([
  ...(Object.keys(UNARY) as UnaryName[]),
  ...(Object.keys(BINARY) as BinaryName[]),
  ...STRUCTURAL_OP_NAMES,
]);

const known: ReadonlySet<string> = new Set(CORE_OP_NAMES);

export function isCoreOpName(name: string): name is CoreOpName {
  return known.has(name);
}

/**
 * One map from several tables (a backend's kernels, file by file). Throws on a key that names no
 * core op or on one that two tables define, so a table built without the compiler's help fails
 * when the backend is made instead of leaving the op to its decomposition.
 */
export function opTableMap<V>(owner: string, tables: readonly CoreOpTable<V>[]): ReadonlyMap<CoreOpName, V> {
  const map = new Map<CoreOpName, V>();
  for (const table of tables) {
    for (const [name, value] of Object.entries(table) as [string, V][]) {
      if (!isCoreOpName(name)) {
        fail(
          owner,
          `'${name}' names no core op; expected one of ${CORE_OP_NAMES.join(', ')} (custom ops carry their kernels in their definition's \`kernels\`)`,
        );
      }
      if (map.has(name)) fail(owner, `two tables define '${name}'`);
      map.set(name, value);
    }
  }
  return map;
}
