import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXIT_CLASSES,
  normalizeMarkdownTables,
  renderExitCodeTable,
  replaceExitCodeSection,
} from '../src/index.js';

const ARCHITECTURE = join(import.meta.dirname, '..', '..', '..', 'ARCHITECTURE.md');

describe('ARCHITECTURE.md', () => {
  it('has the exit-code table generated from exit-codes.ts (run `npm run docs -w packages/runner` when this fails)', () => {
    const text = readFileSync(ARCHITECTURE, 'utf8');
    expect(normalizeMarkdownTables(replaceExitCodeSection(text, renderExitCodeTable()))).toBe(
      normalizeMarkdownTables(text),
    );
  });

  it('the generated table has one row per exit class and marks only transient as retried', () => {
    const rows = renderExitCodeTable().split('\n').slice(2);
    expect(rows).toHaveLength(EXIT_CLASSES.length);
    expect(rows.filter((r) => r.includes('| yes |'))).toEqual([expect.stringContaining('`transient`')]);
  });
});

describe('normalizeMarkdownTables', () => {
  it('ignores column alignment and separator width but not content', () => {
    const a = '| a | b\\|c |\n| --- | --- |\n| 1 | 2 |';
    const b = '| a   | b\\|c |\n| --- | ----- |\n| 1   | 2     |';
    expect(normalizeMarkdownTables(a)).toBe(normalizeMarkdownTables(b));
    expect(normalizeMarkdownTables(a)).not.toBe(normalizeMarkdownTables(a.replace('2', '3')));
  });
});
