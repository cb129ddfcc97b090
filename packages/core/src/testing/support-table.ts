import { DTYPES, type DType } from '../dtype.js';
import { CORE_OPS } from '../ops/index.js';
import { ALL_GROUPS } from './cases/index.js';

export const TABLE_START = '<!-- support-table:start -->';
export const TABLE_END = '<!-- support-table:end -->';

/**
 * The op × dtype table, read from the conformance cases: a dtype is listed for an op only
 * where a case runs the op at that dtype, on every backend that runs the suite.
 */
export function supportTable(backends: readonly string[]): string {
  const tested = new Map<string, Set<DType>>();
  for (const g of ALL_GROUPS) {
    for (const c of g.cases) {
      const set = tested.get(c.op) ?? new Set<DType>();
      for (const d of c.dtypes ?? ['f32', 'f64']) set.add(d);
      tested.set(c.op, set);
    }
  }
  const header = `| op | ${DTYPES.join(' | ')} |`;
  const rule = `|---|${DTYPES.map(() => ':-:').join('|')}|`;
  const rows = CORE_OPS.filter((d) => tested.has(d.name)).map((d) => {
    const set = tested.get(d.name)!;
    return `| \`${d.name}\` | ${DTYPES.map((t) => (set.has(t) ? '✓' : '')).join(' | ')} |`;
  });
  return [
    TABLE_START,
    `Generated from the conformance cases (\`pnpm --filter @tessera/core support-table\`); backends: ${backends.join(', ')}.`,
    '',
    header,
    rule,
    ...rows,
    TABLE_END,
  ].join('\n');
}

/** README text with its table section replaced. */
export function withSupportTable(readme: string, backends: readonly string[]): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('support-table: README has no table markers');
  return readme.slice(0, start) + supportTable(backends) + readme.slice(end + TABLE_END.length);
}
