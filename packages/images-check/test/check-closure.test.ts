import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// images/airflow-base/check-closure.py runs in the image on Python 3.6; here on the machine's python3, as a
// subprocess, with `pip freeze --all` output on stdin. Its syntax is held to 3.6 by ast.parse(feature_version).
const repoRoot = resolve(import.meta.dirname, '../../..');
const script = join(repoRoot, 'images/airflow-base/check-closure.py');
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
if (!python) console.warn('check-closure.test: skipped, no python3 on PATH');

const work = mkdtempSync(join(tmpdir(), 'check-closure-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const constraints = join(work, 'constraints.txt');
writeFileSync(
  constraints,
  [
    '# a comment',
    'apache-airflow==1.8.2',
    'zope.deprecation==4.4.0     # name with a dot',
    'certifi==2024.7.4',
    'pip==21.3.1',
    '',
  ].join('\n'),
);
const freeze = ['apache-airflow==1.8.2', 'zope.deprecation==4.4.0', 'certifi==2024.07.04', 'pip==21.3.1'];

const run = (stdin: string, args = [constraints]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
    const child = execFile(python!, [script, ...args], (err, stdout, stderr) =>
      ok({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });

describe.concurrent.skipIf(!python)('check-closure.py', () => {
  it('passes when pip freeze --all is exactly the pins (names and versions compared the PEP 503/440 way)', async () => {
    const r = await run(
      `${freeze.map((l) => l.replace('zope.deprecation', 'zope-deprecation')).join('\n')}\n`,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`check-closure: 4 distributions, each exactly as pinned in ${constraints}\n`);
  });

  it.each([
    [
      'an unpinned extra',
      [...freeze, 'PyYAML==5.4.1'],
      'installed but not pinned in constraints.txt: PyYAML==5.4.1',
    ],
    [
      'another version',
      freeze.map((l) => l.replace('pip==21.3.1', 'pip==21.2.4')),
      'pip is 21.2.4 in the image but pinned at 21.3.1 in constraints.txt',
    ],
    [
      'a pin that is not installed',
      freeze.filter((l) => !l.startsWith('certifi')),
      'pinned in constraints.txt but not installed: certifi==2024.7.4',
    ],
    [
      'a direct reference',
      [...freeze, 'numpy @ file:///wheels/numpy-1.16.6-cp36-cp36m-manylinux1_x86_64.whl'],
      'installed from a direct reference, not a pinned release: numpy @ file:///wheels/',
    ],
    [
      'empty input (pip freeze failed)',
      [],
      'pinned in constraints.txt but not installed: apache-airflow==1.8.2',
    ],
  ])('fails on %s: one line per problem, exit 1', async (_label, lines, message) => {
    const r = await run(`${lines.join('\n')}\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`check-closure: ${message}`);
    expect(r.stderr).toMatch(/the installed closure differs from .* in \d+ place\(s\)\n$/);
    expect(r.stderr).not.toMatch(/Traceback/);
  });

  it('refuses bad usage with 64, one line', async () => {
    expect(await run('', [])).toMatchObject({
      code: 64,
      stderr: 'check-closure: usage: pip freeze --all | check-closure.py CONSTRAINTS\n',
    });
  });

  it.each([
    [
      'a range instead of a pin',
      'loose.txt',
      'flask>=0.11\n',
      (f: string) => `${f}:1: not an exact pin \`name==version\`: flask>=0.11`,
    ],
    [
      'a pin twice',
      'twice.txt',
      'Flask==0.11.1\nflask==0.11.1\n',
      (f: string) => `${f}:2: flask is pinned twice`,
    ],
    ['no pins at all', 'empty.txt', '# nothing\n', (f: string) => `${f} pins nothing`],
  ])('refuses a constraints file with %s with 65, one line', async (_label, name, text, message) => {
    const file = join(work, name);
    writeFileSync(file, text);
    expect(await run('', [file])).toMatchObject({
      code: 65,
      stdout: '',
      stderr: `check-closure: ${message(file)}\n`,
    });
  });

  it('refuses a constraints file it cannot read with 65, one line', async () => {
    const r = await run('', [join(work, 'missing.txt')]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/^check-closure: cannot read .*missing\.txt: No such file or directory\n$/);
  });

  it('uses no syntax newer than Python 3.6 (the image interpreter)', () => {
    const source = readFileSync(script, 'utf8');
    const r = spawnSync(
      python!,
      ['-c', 'import ast,sys; ast.parse(sys.stdin.read(), feature_version=(3, 6))'],
      {
        input: source,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(source).not.toMatch(/^from __future__ import annotations|removeprefix|removesuffix|dataclasses/m);
  });

  it('accepts the real constraints.txt of the image', async () => {
    const real = join(repoRoot, 'images/airflow-base/constraints.txt');
    const pins = readFileSync(real, 'utf8')
      .split('\n')
      .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
      .filter(Boolean);
    const r = await run(`${pins.join('\n')}\n`, [real]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
