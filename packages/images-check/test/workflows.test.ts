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

  interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
  }
  interface Job {
    needs?: string | string[];
    if?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix?: unknown };
    outputs?: Record<string, string>;
    steps: Step[];
  }
  const images = () =>
    parse(read('images.yml')) as { env: Record<string, string>; jobs: Record<string, Job> };

  it('images.yml: matrix + lock → bases → smoke → publish-bases → publish-operators, from the manifest matrix', () => {
    const wf = images();
    expect(Object.keys(wf.jobs)).toEqual([
      'matrix',
      'lock',
      'bases',
      'smoke',
      'publish-bases',
      'publish-operators',
    ]);
    expect(wf.jobs.bases?.needs).toEqual(['matrix', 'lock']);
    expect(wf.jobs.smoke?.needs).toEqual(['matrix', 'lock', 'bases']);
    expect(wf.jobs['publish-bases']?.needs).toEqual(['matrix', 'smoke']);
    expect(wf.jobs['publish-operators']?.needs).toEqual(['matrix', 'smoke', 'publish-bases']);
    expect(wf.jobs.bases?.strategy?.matrix).toBe(expr('fromJSON(needs.matrix.outputs.bases)'));
    expect(wf.jobs.smoke?.strategy?.matrix).toBe(expr('fromJSON(needs.matrix.outputs.operators)'));
    expect(wf.jobs['publish-bases']?.strategy?.matrix).toBe(expr('fromJSON(needs.matrix.outputs.bases)'));
    expect(wf.jobs['publish-operators']?.strategy?.matrix).toBe(
      expr('fromJSON(needs.matrix.outputs.operators)'),
    );
    expect(wf.env.PUSH).toBe(
      expr(
        "github.event_name != 'pull_request' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v'))",
      ),
    );
    expect(wf.jobs.matrix?.outputs?.push).toBe(expr('env.PUSH'));
    const text = read('images.yml');
    expect(text).toContain('node images/matrix.mjs');
    expect(text).toMatch(/sbom: true/);
    expect(text).toMatch(/provenance: mode=max/);
    expect(text).toMatch(/cache-to: type=gha/);
    expect(text).toMatch(/actions\/attest-build-provenance@/);
  });

  it('images.yml pushes nothing to the registry before every smoke leg passed', () => {
    const wf = images();
    for (const [name, job] of Object.entries(wf.jobs)) {
      const publishing = name.startsWith('publish-');
      // Only the publish jobs log in, may write packages, or push anywhere but the job-local registry.
      expect({ name, write: job.permissions?.packages === 'write' }).toEqual({ name, write: publishing });
      expect({ name, login: job.steps.some((s) => s.uses?.startsWith('docker/login-action@')) }).toEqual({
        name,
        login: publishing,
      });
      for (const step of job.steps.filter((s) => s.uses?.startsWith('docker/build-push-action@'))) {
        const push = step.with?.push;
        if (publishing) expect(push).toBe(true);
        else if (push === true) expect(String(step.with?.tags)).toMatch(/^localhost:5000\//);
        else expect(push).toBe(false);
      }
      // Write permissions (packages, OIDC token, attestations) only on the publish jobs, which never run for PRs.
      for (const permission of ['packages', 'id-token', 'attestations'])
        expect({ name, permission, write: job.permissions?.[permission] === 'write' }).toEqual({
          name,
          permission,
          write: publishing,
        });
      // Immutable references: the release tag (the manifest version) only from a v* git tag, sha-<commit> always.
      for (const step of job.steps.filter((s) => s.uses?.startsWith('docker/metadata-action@'))) {
        const tags = String(step.with?.tags).trim().split('\n');
        expect(tags).toEqual([
          `type=raw,value=${expr('matrix.version')},enable=${expr("startsWith(github.ref, 'refs/tags/v')")}`,
          'type=sha,format=long',
        ]);
      }
      // Publishing runs only where PUSH is true, and only after the smoke job (all legs) succeeded.
      if (publishing) {
        expect(job.if).toBe("needs.matrix.outputs.push == 'true'");
        expect([job.needs].flat()).toContain('smoke');
      }
    }
  });

  it('images.yml runs the end-to-end smoke suite the manifest names, on the built digest, and keeps its logs', () => {
    const steps = images().jobs.smoke!.steps;
    const e2e = steps.find((s) => s.run?.includes('bash images/smoke.sh'))!;
    expect(e2e.if).toBe("matrix.smoke != ''");
    expect(e2e.run).toContain(
      `SMOKE_DIR_IN=/smoke bash images/smoke.sh "$SUITE" "$out" -- "$${'{'}run[@]}" "$REF"`,
    );
    expect(e2e.run).toContain('--read-only --tmpfs /tmp --user 65532:65532');
    expect(e2e.run).toContain('GOOGLE_APPLICATION_CREDENTIALS=/var/run/secrets/data-pipeline/key.json');
    const warehouse = steps.find((s) => s.run?.includes('dp warehouse serve'))!;
    expect(warehouse.run).toContain('--write-key');
    expect(warehouse.run).toMatch(/sudo install -m 0400 -o 65532 -g 65532/);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe("always() && matrix.smoke != ''");
    expect(upload.with).toMatchObject({
      name: expr('matrix.name').replace(/^/, 'smoke-'),
      'if-no-files-found': 'error',
    });
    // The --help/uid smoke of every operator image stays.
    expect(read('images.yml')).toMatch(
      /docker run --rm --read-only --tmpfs \/tmp --user 65532:65532 "\$REF" --help/,
    );
  });

  it('images.yml locks the Python closure with hashes and refuses to publish a lock that differs', () => {
    const wf = images();
    const run = wf.jobs.lock!.steps.map((s) => s.run ?? '').join('\n');
    expect(run).toContain(
      'node images/airflow-base/lock.mjs --constraints images/airflow-base/constraints.txt',
    );
    expect(run).toContain('--constraints images/airflow-base/build-constraints.txt');
    // The generated lock is downloaded under --require-hashes by the Dockerfile's own PYTHON_IMAGE before upload.
    expect(run).toContain(
      `python_image="$(sed -n 's/^ARG PYTHON_IMAGE=//p' images/airflow-base/Dockerfile)"`,
    );
    expect(run).toMatch(/python -m pip download [^\n]*--require-hashes --no-deps/);
    expect(run).toMatch(/elif \[ "\$PUSH" = "true" \]; then\n\s+echo "::error::[^\n]*\n\s+exit 1/);
    for (const job of ['bases', 'smoke']) {
      const dl = wf.jobs[job]!.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
      expect(dl?.with, job).toEqual({ name: 'airflow-base-locks', path: 'images/airflow-base' });
    }
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
