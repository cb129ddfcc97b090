import { readFileSync, writeFileSync } from 'node:fs';
import { SUPPORT_TABLE_BACKENDS } from '../src/testing/backends.js';
import { withSupportTable } from '../src/testing/support-table.js';

// Rewrites the op × dtype × backend table in packages/core/README.md from the conformance cases.
const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withSupportTable(readFileSync(path, 'utf8'), SUPPORT_TABLE_BACKENDS));
