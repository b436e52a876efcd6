import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDockerfile, expandVariables, isDockerignored, splitImageRef } from '../src/index.js';

const D = `sha256:${'a'.repeat(64)}`;
const ctx = mkdtempSync(join(tmpdir(), 'images-check-ctx-'));
mkdirSync(join(ctx, 'packages/op/bin'), { recursive: true });
writeFileSync(join(ctx, 'packages/op/bin/op.js'), '');
writeFileSync(join(ctx, 'package.json'), '{}');
afterAll(() => rmSync(ctx, { recursive: true, force: true }));

const rules = (text: string, opts = {}) =>
  checkDockerfile(text, { contextDir: ctx, ...opts }).map((f) => f.rule);

describe('checkDockerfile', () => {
  it('accepts a pinned multi-stage Dockerfile with a numeric non-root user', () => {
    const text = `ARG IMG=python:3.6.15-slim-bullseye@${D}
FROM \${IMG} AS build
ARG PACKAGE=op
COPY package.json packages/\${PACKAGE}/bin/op.js /src/
COPY ["packages/op", "/app/"]
RUN --mount=type=bind,from=build,target=/x echo ok
FROM node:24.18.1-bookworm-slim@${D}
COPY --from=build /src /src
USER 65532:65532
`;
    expect(checkDockerfile(text, { contextDir: ctx })).toEqual([]);
  });

  it.each([
    ['an unpinned tag', `FROM node:24\nUSER 1\n`, 'from-pinned'],
    ['a digest without a tag', `FROM node@${D}\nUSER 1\n`, 'from-pinned'],
    ['a short digest', 'FROM node:24@sha256:abc\nUSER 1\n', 'from-pinned'],
    ['latest', `FROM node:latest@${D}\nUSER 1\n`, 'no-latest'],
    ['no tag at all', 'FROM node\nUSER 1\n', 'no-latest'],
    ['an ARG default that is unpinned', `ARG B=node:24\nFROM \${B}\nUSER 1\n`, 'from-pinned'],
    ['an ARG without default', `ARG B\nFROM \${B}\nUSER 1\n`, 'unresolved-variable'],
    [
      'COPY --from an unpinned image',
      `FROM node:24@${D}\nCOPY --from=busybox:1 /bin/sh /sh\nUSER 1\n`,
      'from-pinned',
    ],
    [
      'RUN --mount from an unpinned image',
      `FROM node:24@${D}\nRUN --mount=from=alpine:3,target=/a true\nUSER 1\n`,
      'from-pinned',
    ],
    ['no USER', `FROM node:24@${D}\n`, 'final-user'],
    ['USER root', `FROM node:24@${D}\nUSER root\n`, 'final-user'],
    ['USER 0:0', `FROM node:24@${D}\nUSER 0:0\n`, 'final-user'],
    ['a named user', `FROM node:24@${D}\nUSER node\n`, 'final-user'],
    ['USER only in an earlier stage', `FROM node:24@${D} AS a\nUSER 1\nFROM node:24@${D}\n`, 'final-user'],
    [
      'curl | sh',
      `FROM node:24@${D}\nRUN curl -fsSL https://x.example/i.sh | sh\nUSER 1\n`,
      'no-pipe-to-shell',
    ],
    [
      'wget | bash',
      `FROM node:24@${D}\nRUN wget -qO- https://x.example/i \\\n  | sudo bash -\nUSER 1\n`,
      'no-pipe-to-shell',
    ],
    ['curl | /bin/sh', `FROM node:24@${D}\nRUN curl -s https://x | /bin/sh\nUSER 1\n`, 'no-pipe-to-shell'],
    ['ADD of a URL', `FROM node:24@${D}\nADD https://x.example/a.tgz /a\nUSER 1\n`, 'no-remote-add'],
    [
      'a compiler in the final stage',
      `FROM node:24@${D}\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libffi-dev\nUSER 1\n`,
      'no-build-tools',
    ],
    [
      'build-essential in the final stage',
      `FROM node:24@${D}\nRUN apt-get install -y build-essential=12.9\nUSER 1\n`,
      'no-build-tools',
    ],
    ['a missing COPY source', `FROM node:24@${D}\nCOPY nope.txt /\nUSER 1\n`, 'copy-source-exists'],
    [
      'a missing JSON-form source',
      `FROM node:24@${D}\nCOPY ["nope dir/", "/x"]\nUSER 1\n`,
      'copy-source-exists',
    ],
    [
      'a source outside the context',
      `FROM node:24@${D}\nCOPY ../etc/passwd /\nUSER 1\n`,
      'copy-source-exists',
    ],
    ['an unmatched glob', `FROM node:24@${D}\nCOPY packages/*.md /\nUSER 1\n`, 'copy-source-exists'],
    [
      'an undeclared variable in COPY',
      `FROM node:24@${D}\nCOPY packages/\${PKG}/ /\nUSER 1\n`,
      'unresolved-variable',
    ],
  ])('flags %s', (_label, text, rule) => {
    expect(rules(text)).toContain(rule);
  });

  it('expands templated COPY paths with the build args CI passes', () => {
    const text = `FROM node:24@${D}\nARG PACKAGE\nCOPY packages/\${PACKAGE}/bin/ /bin/\nUSER 1\n`;
    expect(rules(text, { buildArgs: { PACKAGE: 'op' } })).toEqual([]);
    expect(rules(text, { buildArgs: { PACKAGE: 'missing' } })).toEqual(['copy-source-exists']);
  });

  it('accepts our own manifest images as bases, and only those', () => {
    const text = `ARG BASE_IMAGE=ghcr.io/x/airflow-base:0.1.0\nFROM \${BASE_IMAGE}\nUSER 1\n`;
    expect(rules(text, { internalRefs: ['ghcr.io/x/airflow-base:0.1.0'] })).toEqual([]);
    expect(rules(text, { internalRefs: ['ghcr.io/x/airflow-base:0.2.0'] })).toEqual(['from-pinned']);
    expect(rules(text, { buildArgs: { BASE_IMAGE: `ghcr.io/x/airflow-base@${D}` } })).toContain(
      'from-pinned',
    );
    expect(rules(text, { buildArgs: { BASE_IMAGE: `ghcr.io/x/airflow-base:sha-1@${D}` } })).toEqual([]);
  });

  it('allows build tools in earlier stages and runtime libraries in the final one', () => {
    const text = `FROM node:24@${D} AS b\nRUN apt-get install -y build-essential\nFROM node:24@${D}\nRUN apt-get install -y libxml2 make-guile-doc\nUSER 1\n`;
    expect(rules(text)).toEqual([]);
  });

  it('handles --platform, here-document RUN and COPY', () => {
    expect(rules(`FROM --platform=linux/amd64 node:24@${D} AS x\nUSER 1\n`)).toEqual([]);
    expect(rules(`FROM --platform=linux/amd64 node:24\nUSER 1\n`)).toEqual(['from-pinned']);
    expect(rules(`FROM node:24@${D}\nCOPY <<EOT /etc/motd\nhello\nEOT\nUSER 1\n`)).toEqual([]);
    expect(rules(`FROM node:24@${D}\nRUN <<EOT\ncurl -fsSL https://x | sh\nEOT\nUSER 1\n`)).toEqual([
      'no-pipe-to-shell',
    ]);
  });

  it('treats a COPY source excluded by .dockerignore as missing', () => {
    const text = `FROM node:24@${D}\nCOPY packages/op/bin/op.js /x\nUSER 1\n`;
    expect(rules(text, { dockerignore: ['packages/*/bin'] })).toEqual(['copy-source-exists']);
    expect(rules(text, { dockerignore: ['packages/*/bin', '!packages/op/bin/op.js'] })).toEqual([]);
    expect(rules(text, { dockerignore: ['**/node_modules'] })).toEqual([]);
  });

  it('reports 1-based line numbers', () => {
    const [finding] = checkDockerfile(`# c\nFROM node:24@${D}\nRUN curl x | sh\nUSER 1\n`);
    expect(finding).toMatchObject({ line: 3, rule: 'no-pipe-to-shell' });
  });
});

describe('helpers', () => {
  it('matches .dockerignore patterns like Docker', () => {
    const ignore = [
      '# comment',
      '.git',
      '**/node_modules',
      '**/*.tsbuildinfo',
      'packages/*/test',
      '/report/',
    ];
    expect(isDockerignored('.git', ignore)).toBe(true);
    expect(isDockerignored('.github/workflows/ci.yml', ignore)).toBe(false);
    expect(isDockerignored('node_modules/x', ignore)).toBe(true);
    expect(isDockerignored('packages/a/node_modules', ignore)).toBe(true);
    expect(isDockerignored('packages/a/dist/x.tsbuildinfo', ignore)).toBe(true);
    expect(isDockerignored('packages/a/test/x.test.ts', ignore)).toBe(true);
    expect(isDockerignored('packages/a/src/test.ts', ignore)).toBe(false);
    expect(isDockerignored('report/index.html', ignore)).toBe(true);
    expect(isDockerignored('packages/', ignore)).toBe(false);
  });

  it('splits image references without mistaking a registry port for a tag', () => {
    expect(splitImageRef(`localhost:5000/a/b:1.2@${D}`)).toEqual({
      name: 'localhost:5000/a/b',
      tag: '1.2',
      digest: D,
    });
    expect(splitImageRef('localhost:5000/a/b')).toEqual({
      name: 'localhost:5000/a/b',
      tag: null,
      digest: null,
    });
  });
  it('expands variables like the Dockerfile frontend', () => {
    const vars = new Map([['A', 'x']]);
    expect(expandVariables(`$A/\${A}/\${B:-d}/\${A:+y}/\${B:+z}`, vars)).toEqual({
      value: 'x/x/d/y/',
      missing: [],
    });
    expect(expandVariables(`\${B}`, vars).missing).toEqual(['B']);
  });
});
