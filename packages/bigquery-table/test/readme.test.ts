import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readmeFlagTables } from '../../bigquery-client/test/support/readme.js';
import { definition } from '../src/definition.js';

it('README flag table is generated from the kwargs schema (run `npm run readme` to refresh)', async () => {
  const r = await readmeFlagTables(definition, fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(r.actual).toBe(r.expected);
});
