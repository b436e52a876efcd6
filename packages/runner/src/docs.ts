import { EXIT_CLASSES } from './exit-codes.js';

/** The ARCHITECTURE.md exit-code table, generated from exit-codes.ts (a test fails when the file is stale). */
export function renderExitCodeTable(): string {
  return [
    '| code | class | Argo retries | meaning |',
    '| --- | --- | --- | --- |',
    ...EXIT_CLASSES.map((c) => `| ${c.code} | \`${c.name}\` | ${c.retry ? 'yes' : 'no'} | ${c.meaning} |`),
  ].join('\n');
}
