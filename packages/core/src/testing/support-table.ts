import { DTYPES, type DType } from '../dtype.js';
import { CORE_OPS } from '../ops/index.js';
import type { TableBackend } from './backends.js';
import { ALL_GROUPS } from './cases/index.js';

export const TABLE_START = '<!-- support-table:start -->';
export const TABLE_END = '<!-- support-table:end -->';

/** The input dtypes at which the conformance cases run each op, by op name. */
function testedDTypes(): Map<string, Set<DType>> {
  const tested = new Map<string, Set<DType>>();
  for (const g of ALL_GROUPS) {
    for (const c of g.cases) {
      const set = tested.get(c.op) ?? new Set<DType>();
      for (const d of c.dtypes ?? ['f32', 'f64']) set.add(d);
      tested.set(c.op, set);
    }
  }
  return tested;
}

/** The ops whose row of the support table lists `backend` (at one dtype at least). */
export function claimedOps(backend: TableBackend): string[] {
  const tested = testedDTypes();
  return CORE_OPS.map((d) => d.name).filter((name) =>
    [...(tested.get(name) ?? [])].some((t) => backend.dtypes.includes(t)),
  );
}

/**
 * The op × dtype × backend table, read from the conformance cases: a backend is listed for an op
 * at a dtype only where a case runs the op at that dtype and the backend claims the dtype.
 */
export function supportTable(backends: readonly TableBackend[]): string {
  const tested = testedDTypes();
  const header = `| op | ${DTYPES.join(' | ')} |`;
  const rule = `|---|${DTYPES.map(() => ':-:').join('|')}|`;
  const rows = CORE_OPS.filter((d) => tested.has(d.name)).map((d) => {
    const set = tested.get(d.name)!;
    const cell = (t: DType): string =>
      set.has(t)
        ? backends
            .filter((b) => b.dtypes.includes(t))
            .map((b) => (b.decomposed?.includes(d.name) ? `${b.name}*` : b.name))
            .join(', ')
        : '';
    return `| \`${d.name}\` | ${DTYPES.map(cell).join(' | ')} |`;
  });
  return [
    TABLE_START,
    'Generated from the conformance cases (`pnpm --filter @tessera/core support-table`): each cell lists the',
    'backends whose conformance run covers the op at that input dtype; `*`: that backend runs the op as its',
    'decomposition into other ops (it has no kernel of its own).',
    '',
    header,
    rule,
    ...rows,
    TABLE_END,
  ].join('\n');
}

/** README text with its table section replaced. */
export function withSupportTable(readme: string, backends: readonly TableBackend[]): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('support-table: README has no table markers');
  return readme.slice(0, start) + supportTable(backends) + readme.slice(end + TABLE_END.length);
}
