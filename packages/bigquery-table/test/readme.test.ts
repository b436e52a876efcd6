import { fileURLToPath } from 'node:url';
import { checkReadmeFlagTable } from '@data-pipeline/runner';
import { expect, it } from 'vitest';
import { definition } from '../src/definition.js';

it('README flag table is generated from the kwargs schema (run `npm run readme` to refresh)', async () => {
  const r = await checkReadmeFlagTable(definition, fileURLToPath(new URL('../README.md', import.meta.url)));
  if (!r.ok) expect(r.actual).toBe(r.expected);
  expect(r.ok).toBe(true);
});
