import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionlint, checkActionPins, checkPermissions } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const dir = join(repoRoot, '.github/workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const SHA = 'a'.repeat(40);
/** A GitHub expression `${{ body }}` (built so the source holds no template-looking literal). */
const expr = (body: string) => `$${'{{'} ${body} }}`;

describe('GitHub Actions workflows', () => {
  it('include ci.yml and images.yml', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'images.yml']));
  });

  it.each(files)('%s is actionlint clean', async (f) => {
    expect(await actionlint(read(f), `.github/workflows/${f}`)).toEqual([]);
  });

  it.each(files)('%s pins every action by commit SHA with a version comment', (f) => {
    const text = read(f);
    expect(text).toMatch(/uses:/);
    expect(checkActionPins(text, f)).toEqual([]);
  });

  it.each(files)('%s grants least privilege per job and has a concurrency group', (f) => {
    const text = read(f);
    expect(checkPermissions(text, f)).toEqual([]);
    expect((parse(text) as { concurrency?: { group?: string } }).concurrency?.group).toBeTruthy();
  });

  it('ci.yml tests on Node 20, 22 and 24 through .ci/run', () => {
    const ci = parse(read('ci.yml')) as {
      jobs: Record<string, { strategy?: { matrix?: { node?: string[] } }; steps: { run?: string }[] }>;
    };
    const job = Object.values(ci.jobs)[0]!;
    expect(job.strategy?.matrix?.node).toEqual(['20', '22', '24']);
    expect(job.steps.some((s) => s.run?.includes('bash .ci/run'))).toBe(true);
  });

  it('images.yml builds bases before operator images, from the manifest matrix, pushing only outside PRs', () => {
    const wf = parse(read('images.yml')) as {
      env: Record<string, string>;
      jobs: Record<string, { needs?: string | string[]; strategy?: { matrix?: unknown }; steps: unknown[] }>;
    };
    expect(wf.jobs.operators?.needs).toEqual(['matrix', 'bases']);
    expect(wf.jobs.bases?.needs).toBe('matrix');
    expect(wf.jobs.bases?.strategy?.matrix).toBe(expr('fromJSON(needs.matrix.outputs.bases)'));
    expect(wf.jobs.operators?.strategy?.matrix).toBe(expr('fromJSON(needs.matrix.outputs.operators)'));
    expect(wf.env.PUSH).toBe(
      expr(
        "github.event_name != 'pull_request' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v'))",
      ),
    );
    const text = read('images.yml');
    expect(text).toContain('node images/matrix.mjs');
    expect(text).toMatch(/sbom: true/);
    expect(text).toMatch(/provenance: mode=max/);
    expect(text).toMatch(/cache-to: type=gha/);
    expect(text).toMatch(/actions\/attest-build-provenance@/);
    // operator images are run once built: --help as the image's non-root uid, read-only root filesystem
    expect(text).toMatch(/docker run --rm --read-only --tmpfs \/tmp --user 65532:65532 "\$REF" --help/);
  });
});

describe('the workflow checks fire', () => {
  it('actionlint reports a broken workflow', async () => {
    const bad = `on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${expr('github.nope')}\n`;
    const out = await actionlint(bad, 'bad.yml');
    expect(out.length).toBeGreaterThan(0);
    expect(out[0]).toMatchObject({ file: 'bad.yml', line: 6 });
  });

  it.each([
    ['a tag', 'uses: actions/checkout@v4', /full 40-hex commit SHA/],
    ['a branch', '- uses: actions/checkout@main # v4.0.0', /full 40-hex commit SHA/],
    ['a short SHA', `- uses: actions/checkout@${SHA.slice(0, 7)} # v4.0.0`, /full 40-hex/],
    ['no version comment', `- uses: actions/checkout@${SHA}`, /# vX\.Y\.Z/],
    ['a vague comment', `- uses: actions/checkout@${SHA} # v4`, /# vX\.Y\.Z/],
    ['a docker tag', '- uses: docker://alpine:3.20', /pinned by digest/],
  ])('flags an action pinned by %s', (_label, line, message) => {
    const [finding] = checkActionPins(`steps:\n  ${line}\n`, 'x.yml');
    expect(finding?.message).toMatch(message);
    expect(finding?.line).toBe(2);
  });

  it('accepts SHA pins with a version comment and local actions', () => {
    const text = `steps:\n  - uses: actions/checkout@${SHA} # v7.0.1\n  - uses: "./.github/actions/x"\n`;
    expect(checkActionPins(text, 'x.yml')).toEqual([]);
  });

  it.each([
    ['no top-level permissions', 'jobs:\n  a:\n    permissions: {}\n', /no top-level permissions/],
    ['write-all at the top', 'permissions: write-all\njobs: {}\n', /too broad/],
    [
      'a top-level write scope',
      'permissions:\n  packages: write\njobs: {}\n',
      /top-level permission packages: write/,
    ],
    [
      'a job without permissions',
      'permissions: {}\njobs:\n  a:\n    runs-on: x\n',
      /job a declares no permissions/,
    ],
    [
      'contents: write in a job',
      'permissions: {}\njobs:\n  a:\n    permissions:\n      contents: write\n',
      /a: contents: write/,
    ],
  ])('flags %s', (_label, text, message) => {
    expect(
      checkPermissions(text, 'x.yml')
        .map((f) => f.message)
        .join('\n'),
    ).toMatch(message);
  });
});
