import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkManifestAgainstRepo,
  checkRepoDockerfiles,
  checkYamlImages,
  ciBuildArgs,
  finalUid,
  formatFinding,
  imageRef,
  loadImagesManifest,
  operatorPackages,
  parseImagesManifest,
  yamlImages,
  yamlRunAsUsers,
} from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const manifest = loadImagesManifest(repoRoot);
const YAML_DIRS = ['workflows', 'cronjobs', 'deploy'];
const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'images-check-repo-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('the repository', () => {
  it('has an image for every operator package, and every image points at real files and packages', () => {
    expect(operatorPackages(repoRoot).map((p) => p.name)).toContain('@data-pipeline/bigquery-operator');
    expect(checkManifestAgainstRepo(repoRoot, manifest).map(formatFinding)).toEqual([]);
  });

  it('has Dockerfiles that pass every rule, as written and for every image that uses them', () => {
    expect(checkRepoDockerfiles(repoRoot, manifest).map(formatFinding)).toEqual([]);
  });

  it('references only images the manifest produces in workflows/, cronjobs/ and deploy/', (ctx) => {
    const found = yamlImages(repoRoot, YAML_DIRS);
    if (found.length === 0) ctx.skip(); // those folders are written by another package; nothing to check yet
    expect(checkYamlImages(repoRoot, manifest, YAML_DIRS).map(formatFinding)).toEqual([]);
    const ours = found.filter((y) => y.image.startsWith(`${manifest.registry}/`));
    expect(ours.length).toBeGreaterThan(0);
  });

  it('runs every image as the same numeric uid, the one the YAML securityContexts use', () => {
    const uids = new Set(
      [...new Set(manifest.images.map((i) => i.dockerfile))].map((f) =>
        finalUid(readFileSync(join(repoRoot, f), 'utf8')),
      ),
    );
    expect([...uids]).toEqual([65532]);
    // Only files whose pods run our images (the CronJob runs the argo CLI image, with that image's own user).
    const ours = new Set(
      yamlImages(repoRoot, YAML_DIRS)
        .filter((y) => y.image.startsWith(`${manifest.registry}/`))
        .map((y) => y.file),
    );
    for (const y of yamlRunAsUsers(repoRoot, YAML_DIRS).filter((u) => ours.has(u.file))) {
      expect(y, y.file).toMatchObject({ uid: 65532 });
    }
  });

  it('labels every image with the OCI source, version, revision and license', () => {
    for (const file of new Set(manifest.images.map((i) => i.dockerfile))) {
      const finalStage =
        readFileSync(join(repoRoot, file), 'utf8')
          .split(/^FROM\s/m)
          .pop() ?? '';
      for (const label of ['source', 'version', 'revision', 'title']) {
        expect(finalStage, `${file} ${label}`).toMatch(
          new RegExp(`org\\.opencontainers\\.image\\.${label}="[^"]+"`),
        );
      }
      expect(finalStage, file).toContain('org.opencontainers.image.licenses="Apache-2.0"');
      expect(finalStage, file).toMatch(/^ARG REVISION=/m);
    }
  });

  it('gives operator images their base as BASE_IMAGE', () => {
    const args = ciBuildArgs(manifest, 'bigquery-table');
    expect(args).toMatchObject({ PACKAGE: 'bigquery-table', BIN: 'bigquery-table' });
    expect(args.BASE_IMAGE).toBe(imageRef({ name: 'node-base' }, manifest));
    expect(ciBuildArgs(manifest, 'airflow-base')).toEqual({});
  });
});

/** A throwaway copy of the parts of the repo the checks read. */
function fixtureRepo(): string {
  const dir = tempDir();
  cpSync(join(repoRoot, 'images'), join(dir, 'images'), { recursive: true });
  cpSync(join(repoRoot, '.dockerignore'), join(dir, '.dockerignore'));
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.json']) {
    cpSync(join(repoRoot, f), join(dir, f));
  }
  for (const entry of readdirSync(join(repoRoot, 'packages'))) {
    for (const f of ['package.json', 'bin']) {
      try {
        cpSync(join(repoRoot, 'packages', entry, f), join(dir, 'packages', entry, f), { recursive: true });
      } catch {
        // packages without bin/
      }
    }
  }
  return dir;
}

describe('the checks fire on a broken repository', () => {
  it('reports an operator package without an image', () => {
    const dir = fixtureRepo();
    mkdirSync(join(dir, 'packages/new-operator'), { recursive: true });
    writeFileSync(
      join(dir, 'packages/new-operator/package.json'),
      JSON.stringify({
        name: '@data-pipeline/new-operator',
        version: manifest.version,
        bin: { 'new-operator': './bin/new-operator.js' },
        dependencies: { '@data-pipeline/runner': '*' },
        dataPipeline: { kind: 'operator' },
      }),
    );
    // A declared operator without a bin is a finding of its own.
    mkdirSync(join(dir, 'packages/binless'), { recursive: true });
    writeFileSync(
      join(dir, 'packages/binless/package.json'),
      JSON.stringify({
        name: '@data-pipeline/binless',
        version: manifest.version,
        dependencies: { '@data-pipeline/runner': '*' },
        dataPipeline: { kind: 'operator' },
      }),
    );
    // A tool with a bin that only uses the runner's exit codes declares nothing: not an operator.
    mkdirSync(join(dir, 'packages/new-tool/src'), { recursive: true });
    writeFileSync(
      join(dir, 'packages/new-tool/package.json'),
      JSON.stringify({
        name: '@data-pipeline/new-tool',
        version: manifest.version,
        bin: { 'new-tool': './bin/new-tool.js' },
        dependencies: { '@data-pipeline/runner': '*' },
      }),
    );
    writeFileSync(
      join(dir, 'packages/new-tool/src/cli.ts'),
      "import { EXIT_CODES } from '@data-pipeline/runner';\n",
    );
    expect(checkManifestAgainstRepo(dir, manifest).map(formatFinding)).toEqual([
      'packages/binless/package.json: declares an operator but has no bin or does not depend on @data-pipeline/runner',
      'images/images.json: operator @data-pipeline/new-operator (bin new-operator) has no image in the manifest',
    ]);
  });

  it('reports a missing Dockerfile, an unknown package or bin, and a version mismatch', () => {
    const broken = parseImagesManifest({
      ...manifest,
      version: '9.9.9',
      images: [
        ...manifest.images.filter((i) => i.base === null),
        {
          ...manifest.images.find((i) => i.name === 'bigquery-table')!,
          dockerfile: 'images/nope/Dockerfile',
        },
        { ...manifest.images.find((i) => i.name === 'bigquery-operator')!, bin: 'no-such-bin' },
        { ...manifest.images.find((i) => i.name === 'airflow-operator')!, package: '@data-pipeline/ghost' },
      ],
    });
    const messages = checkManifestAgainstRepo(repoRoot, broken).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'image bigquery-table: dockerfile images/nope/Dockerfile does not exist',
        'image bigquery-operator: package @data-pipeline/bigquery-operator has no bin no-such-bin',
        'image airflow-operator: package @data-pipeline/ghost is not a workspace package',
        expect.stringMatching(/manifest version 9\.9\.9 differs from @data-pipeline\/bigquery-table@/),
      ]),
    );
  });

  it('reports Dockerfile problems with file, line and image', () => {
    const dir = fixtureRepo();
    const file = join(dir, 'images/operator/Dockerfile');
    writeFileSync(
      file,
      `FROM node:24\nARG PACKAGE\nCOPY packages/\${PACKAGE}/missing.txt /x\nRUN curl https://x | sh\n`,
    );
    const out = checkRepoDockerfiles(dir, manifest).map(formatFinding);
    expect(out).toEqual(
      expect.arrayContaining([
        'images/operator/Dockerfile:1: from-pinned: FROM node:24 is not pinned by exact tag + @sha256 digest',
        'images/operator/Dockerfile:4: no-pipe-to-shell: RUN pipes a download into a shell (curl|sh)',
        'images/operator/Dockerfile:3: copy-source-exists: COPY source packages/bigquery-table/missing.txt does not exist in the build context (image bigquery-table)',
        expect.stringMatching(/:1: final-user: /),
      ]),
    );
  });

  it('rejects YAML images that the manifest does not produce, latest tags and untagged images', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'workflows/nested'), { recursive: true });
    const ok = imageRef({ name: 'bigquery-operator' }, manifest);
    writeFileSync(
      join(dir, 'workflows/a.yaml'),
      [
        'spec:',
        '  templates:',
        `    - container: { image: ${ok} }`,
        `    - container: { image: "${manifest.registry}/bigquery-operator:0.0.1" }`,
        `    - container: { image: ${manifest.registry}/not-an-image:${manifest.version} }`,
        '---',
        'spec: { containers: [ { image: quay.io/argoproj/argocli:latest }, { image: busybox } ] }',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'workflows/nested/b.yml'), 'image: "{{inputs.parameters.image}}"\n');
    mkdirSync(join(dir, 'cronjobs'));
    writeFileSync(
      join(dir, 'cronjobs/cm.yaml'),
      [
        'kind: ConfigMap',
        'data:',
        '  workflow.yaml: |',
        '    spec:',
        '      templates:',
        `        - container: { image: ${ok} }`,
        '        - container:',
        `            image: ${manifest.registry}/bigquery-operator:9.9.9`,
      ].join('\n'),
    );
    const out = checkYamlImages(dir, manifest, ['workflows', 'cronjobs']).map(formatFinding);
    expect(out).toEqual([
      `workflows/a.yaml:4: image ${manifest.registry}/bigquery-operator:0.0.1 is not produced by images/images.json`,
      `workflows/a.yaml:5: image ${manifest.registry}/not-an-image:${manifest.version} is not produced by images/images.json`,
      'workflows/a.yaml:7: image quay.io/argoproj/argocli:latest uses the latest tag',
      'workflows/a.yaml:7: image busybox uses the latest tag',
      'workflows/nested/b.yml:1: image {{inputs.parameters.image}} is templated; reference the manifest',
      `cronjobs/cm.yaml:8: image ${manifest.registry}/bigquery-operator:9.9.9 is not produced by images/images.json`,
    ]);
  });
});
