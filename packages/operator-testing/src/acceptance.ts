/**
 * The acceptance suite every operator package runs with its own definition (one line in its test folder):
 * what the runner contract promises for any operator, checked against that operator's flags and outputs.
 * Operator-specific behaviour (its SQL, its engines' results) stays in the package's own tests.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  availableEngines,
  buildCliFlags,
  checkReadmeFlagTable,
  EXIT_CODES,
  type FlagDescriptor,
  type OperatorDefinition,
} from '@data-pipeline/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runInProcess } from './cli.js';

export interface OperatorAcceptance {
  readonly definition: OperatorDefinition;
  /** The package's bin (`bin/<name>.js`), run as a subprocess for `--help`. */
  readonly bin: string;
  /** The package's README.md, whose flag table must be the generated one. */
  readonly readme: string;
  /** Flags that make a valid invocation apart from the common ones (e.g. `['--bql', 'SELECT 1']`). */
  readonly validArgs: readonly string[];
}

const SECRET = 'ACCEPTANCE-SECRET-3b9e1d';
const BASE = ['--task-id', 'acceptance_task', '--execution-date', '2026-11-20'];

/** A value the flag's parser must refuse, or undefined when any text is a valid value (strings). */
function badValue(flag: FlagDescriptor): string | undefined {
  switch (flag.kind) {
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'maybe';
    case 'enum':
      return 'no-such-choice';
    case 'json':
      return '{"unterminated": ';
    default:
      return undefined;
  }
}

/** Registers the suite (call once at the top level of a test file). */
export function operatorAcceptance(op: OperatorAcceptance): void {
  const { definition } = op;
  const flags = buildCliFlags(definition);
  const dirs: string[] = [];
  const scratch = (): string => {
    const d = mkdtempSync(join(tmpdir(), `acceptance-${definition.name}-`));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const oneLine = (r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void => {
    expect(r.code).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  describe(`${definition.name}: the operator contract`, () => {
    it('has the generated flag table in its README (run `npm run readme` to refresh)', async () => {
      const r = await checkReadmeFlagTable(definition, op.readme);
      if (!r.ok) expect(r.actual).toBe(r.expected);
      expect(r.ok).toBe(true);
    });

    it('--help lists every flag of its schema and exits 0 (the bin, as a subprocess)', async () => {
      const r = await runCli(op.bin, ['--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      for (const f of flags) expect(r.stdout).toContain(`--${f.flag}`);
    });

    it.each([
      ['no arguments', [] as string[], /--task-id/],
      ['an unknown flag', [...BASE, ...op.validArgs, '--no-such-flag', 'x'], /--no-such-flag/],
      ['a stray positional argument', [...BASE, ...op.validArgs, 'stray'], /stray/],
    ])('refuses %s with one line and exit 64', async (_name, argv, pattern) => {
      oneLine(await runInProcess(definition, argv), EXIT_CODES.usage, pattern);
    });

    const typed = flags.filter((f) => f.group === 'kwarg' && badValue(f) !== undefined);
    it.runIf(typed.length > 0)(
      'refuses a malformed value of every typed kwarg flag, naming the flag',
      async () => {
        for (const f of typed) {
          const r = await runInProcess(definition, [
            ...BASE,
            ...op.validArgs,
            `--${f.flag}`,
            `${badValue(f)}`,
          ]);
          expect([EXIT_CODES.usage, EXIT_CODES['invalid-input']], `--${f.flag}`).toContain(r.code);
          expect(r.stderr.trim().split('\n'), `--${f.flag}`).toHaveLength(1);
          expect(r.stderr, `--${f.flag}`).toContain(`--${f.flag}`);
        }
      },
    );

    it('refuses unknown kwargs and unparsable kwargs files with 65, never echoing their values', async () => {
      const dir = scratch();
      const unknown = join(dir, 'unknown.json');
      writeFileSync(unknown, JSON.stringify({ no_such_kwarg: SECRET }));
      oneLine(
        await runInProcess(definition, [...BASE, ...op.validArgs, '--kwargs-file', unknown]),
        EXIT_CODES['invalid-input'],
        /no_such_kwarg/,
      );
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, `{"password": "${SECRET}", `);
      oneLine(
        await runInProcess(definition, [...BASE, ...op.validArgs, '--kwargs-file', broken]),
        EXIT_CODES['invalid-input'],
        /--kwargs-file/,
      );
    });

    const unsupported = (['airflow', 'native'] as const).filter(
      (e) => !availableEngines(definition).includes(e),
    );
    if (unsupported.length > 0)
      it('refuses an engine it does not have with 64', async () => {
        for (const engine of unsupported) {
          oneLine(
            await runInProcess(definition, [...BASE, ...op.validArgs, '--engine', engine]),
            EXIT_CODES.usage,
            new RegExp(`--engine ${engine}`),
          );
        }
      });

    it('writes exit-class, exit-code and every declared output when it fails before running', async () => {
      const out = join(scratch(), 'outputs');
      const r = await runInProcess(definition, [
        ...BASE,
        ...op.validArgs,
        '--outputs-dir',
        out,
        '--no-such-flag',
      ]);
      expect(r.code).toBe(EXIT_CODES.usage);
      const files = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
      expect(files['exit-class']).toBe('usage');
      expect(files['exit-code']).toBe(String(EXIT_CODES.usage));
      for (const name of definition.outputs) expect(files[name], name).toBe('');
    });
  });
}
