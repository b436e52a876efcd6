import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CLASSES, renderExitCodeTable, replaceExitCodeSection } from '../src/index.js';

const ARCHITECTURE = join(import.meta.dirname, '..', '..', '..', 'ARCHITECTURE.md');

describe('ARCHITECTURE.md', () => {
  it('has the exit-code table generated from exit-codes.ts (run `npm run docs -w packages/runner` when this fails)', () => {
    const text = readFileSync(ARCHITECTURE, 'utf8');
    expect(replaceExitCodeSection(text, renderExitCodeTable())).toBe(text);
  });

  it('the generated table has one row per exit class and marks only transient as retried', () => {
    const rows = renderExitCodeTable().split('\n').slice(2);
    expect(rows).toHaveLength(EXIT_CLASSES.length);
    expect(rows.filter((r) => r.includes('| yes |'))).toEqual([expect.stringContaining('`transient`')]);
  });
});
