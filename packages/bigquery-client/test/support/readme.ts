import { checkReadmeFlagTable, type OperatorDefinition } from '@data-pipeline/runner';

/** Biome formats Markdown tables (pads cells); compare cell contents, not padding. */
export const normalizeTables = (md: string): string =>
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

export async function readmeFlagTables(definition: OperatorDefinition, readmePath: string) {
  const r = await checkReadmeFlagTable(definition, readmePath);
  return { actual: normalizeTables(r.actual), expected: normalizeTables(r.expected) };
}
