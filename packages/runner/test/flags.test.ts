import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildCliFlags,
  checkReadmeFlagTable,
  renderFlagTable,
  renderHelp,
  replaceFlagTable,
} from '../src/index.js';
import { sampleDefinition } from './helpers.js';

describe('buildCliFlags', () => {
  it('derives one flag per kwarg from the zod schema, with kinds, defaults and requiredness', () => {
    const flags = buildCliFlags(sampleDefinition());
    const byFlag = new Map(flags.map((f) => [f.flag, f]));
    expect(byFlag.get('bql')).toMatchObject({ kwarg: 'bql', kind: 'string', required: true, file: true });
    expect(byFlag.get('use-legacy-sql')).toMatchObject({
      kind: 'boolean',
      required: false,
      defaultValue: true,
    });
    expect(byFlag.get('max-rows')).toMatchObject({ kind: 'number', required: false });
    expect(byFlag.get('udf-config')).toMatchObject({ kind: 'json' });
    expect(byFlag.get('priority')).toMatchObject({ kind: 'enum', choices: ['INTERACTIVE', 'BATCH'] });
    expect(byFlag.get('bigquery-endpoint')).toMatchObject({ group: 'extra', env: 'BIGQUERY_EMULATOR_HOST' });
    for (const common of [
      'task-id',
      'dag-id',
      'execution-date',
      'kwargs-file',
      'outputs-dir',
      'engine',
      'help',
    ]) {
      expect(byFlag.get(common)?.group).toBe('common');
    }
  });

  it('refuses a kwarg whose flag clashes with a common flag', () => {
    const def = sampleDefinition({ kwargs: z.object({ task_id: z.string() }) });
    expect(() => buildCliFlags(def)).toThrow(/clashes with the flag --task-id/);
  });

  it('renders a markdown table and help text naming every flag', () => {
    const table = renderFlagTable(sampleDefinition());
    expect(table.split('\n')[0]).toBe('| flag | kwarg | required | default | env | description |');
    expect(table).toContain('`--use-legacy-sql true\\|false` | `use_legacy_sql` |  | `true`');
    expect(table).toContain('`--bql TEXT|@FILE`'.replace('|', '\\|'));
    const help = renderHelp(sampleDefinition());
    expect(help).toContain('usage: sample-operator --task-id ID --execution-date DATE [flags]');
    expect(help).toContain('--priority INTERACTIVE|BATCH');
  });

  it('replaces only the text between the flags markers', () => {
    const readme = 'intro\n<!-- flags:begin -->\nold\n<!-- flags:end -->\noutro\n';
    expect(replaceFlagTable(readme, 'NEW')).toBe(
      'intro\n<!-- flags:begin -->\nNEW\n<!-- flags:end -->\noutro\n',
    );
    expect(() => replaceFlagTable('no markers', 'x')).toThrow(/flags:begin/);
  });

  it('checkReadmeFlagTable ignores column padding (biome formats Markdown tables) but not cell contents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-readme-'));
    try {
      const readme = join(dir, 'README.md');
      // What `biome format` makes of the generated table: cells padded to the column width, longer separators.
      const padded = renderFlagTable(sampleDefinition())
        .split('\n')
        .map((line) =>
          line
            .split(/(?<!\\)\|/)
            .map((cell) => (cell === ' --- ' ? ' -------- ' : cell.length > 0 ? `${cell}    ` : cell))
            .join('|'),
        )
        .join('\n');
      writeFileSync(readme, `# x\n\n<!-- flags:begin -->\n${padded}\n<!-- flags:end -->\n`);
      expect((await checkReadmeFlagTable(sampleDefinition(), readme)).ok).toBe(true);
      writeFileSync(
        readme,
        `# x\n\n<!-- flags:begin -->\n${padded.replace('`use_legacy_sql`', '`use_standard_sql`')}\n<!-- flags:end -->\n`,
      );
      const stale = await checkReadmeFlagTable(sampleDefinition(), readme);
      expect(stale.ok).toBe(false);
      expect(stale.expected).toContain('`use_legacy_sql`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
