import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SUPPORT_TABLE_BACKENDS } from './testing/backends.js';
import { withSupportTable } from './testing/support-table.js';

it('the README support table matches the conformance cases', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme, 'run `pnpm --filter @tessera/core support-table`').toBe(
    withSupportTable(readme, SUPPORT_TABLE_BACKENDS),
  );
});
