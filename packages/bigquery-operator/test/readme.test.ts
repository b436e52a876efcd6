import { fileURLToPath } from 'node:url';
import { checkReadmeFlagTable } from '@data-pipeline/runner';
import { expect, it } from 'vitest';
import { definition } from '../src/definition.js';

/** Biome formats Markdown tables (pads cells); compare cell contents, not padding. */
const normalize = (md: string): string =>
  md
    .split('\n')
    .map((l) =>
      l.startsWith('|')
        ? l
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/^-+$/, '---'))
            .join('|')
        : l,
    )
    .join('\n');

it('README flag table is generated from the kwargs schema (run `npm run readme` to refresh)', async () => {
  const r = await checkReadmeFlagTable(definition, fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(normalize(r.actual)).toBe(normalize(r.expected));
});
