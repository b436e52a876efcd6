import { EXIT_CLASSES } from './exit-codes.js';

/** The ARCHITECTURE.md exit-code table, generated from exit-codes.ts (a test fails when the file is stale). */
export function renderExitCodeTable(): string {
  return [
    '| code | class | Argo retries | meaning |',
    '| --- | --- | --- | --- |',
    ...EXIT_CLASSES.map((c) => `| ${c.code} | \`${c.name}\` | ${c.retry ? 'yes' : 'no'} | ${c.meaning} |`),
  ].join('\n');
}

const BEGIN = /<!-- exit-codes:begin[^>]*-->/;
const END = '<!-- exit-codes:end -->';

/** Replaces the text between the exit-codes markers (the begin marker may carry a comment). */
export function replaceExitCodeSection(markdown: string, table: string): string {
  const begin = BEGIN.exec(markdown);
  const end = markdown.indexOf(END);
  if (!begin || end < begin.index)
    throw new Error('no <!-- exit-codes:begin --> … <!-- exit-codes:end --> section');
  const head = markdown.slice(0, begin.index + begin[0].length);
  return `${head}\n${table}\n${markdown.slice(end)}`;
}
