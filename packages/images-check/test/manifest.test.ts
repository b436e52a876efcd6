import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  baseImages,
  findImageByRef,
  imageRef,
  imageRefs,
  loadImagesManifest,
  ManifestError,
  operatorImages,
  parseImagesManifest,
} from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'images-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const minimal = () => ({
  registry: 'ghcr.io/example',
  version: '1.2.3',
  images: [
    {
      name: 'node-base',
      description: 'b',
      dockerfile: 'images/node-base/Dockerfile',
      base: null,
      package: null,
      bin: null,
    },
    {
      name: 'op',
      description: 'o',
      dockerfile: 'images/operator-native/Dockerfile',
      base: 'node-base',
      package: '@data-pipeline/op',
      bin: 'op',
      engine: 'native',
      buildArgs: { PACKAGE: 'op', BIN: 'op' },
    },
  ],
});

describe('images manifest API', () => {
  it('loads the repository manifest and builds references', () => {
    const m = loadImagesManifest(repoRoot);
    const op = m.images.find((i) => i.name === 'bigquery-operator');
    expect(op).toBeDefined();
    expect(imageRef(op!, m)).toBe(`${m.registry}/bigquery-operator:${m.version}`);
    expect(findImageByRef(m, imageRef(op!, m))).toBe(op);
    expect(imageRefs(m)).toHaveLength(m.images.length);
    expect(baseImages(m).map((i) => i.name)).toEqual(['airflow-base', 'node-base']);
    expect(operatorImages(m).every((i) => i.base !== null && i.bin !== null)).toBe(true);
  });

  it('finds nothing for a foreign, untagged or wrong-version reference', () => {
    const m = parseImagesManifest(minimal());
    expect(findImageByRef(m, 'ghcr.io/example/op:1.2.3')?.name).toBe('op');
    expect(findImageByRef(m, 'ghcr.io/example/op:1.2.4')).toBeUndefined();
    expect(findImageByRef(m, 'ghcr.io/example/op')).toBeUndefined();
    expect(findImageByRef(m, 'docker.io/example/op:1.2.3')).toBeUndefined();
  });

  it('defaults context and buildArgs', () => {
    const m = parseImagesManifest(minimal());
    expect(m.images[0]?.context).toBe('.');
    expect(m.images[0]?.buildArgs).toEqual({});
  });

  const bad: Array<[string, (m: ReturnType<typeof minimal>) => unknown, RegExp]> = [
    ['registry with a tag', (m) => ({ ...m, registry: 'ghcr.io/example:1' }), /registry/],
    ['uppercase registry', (m) => ({ ...m, registry: 'GHCR.io/Example' }), /registry/],
    ['non-semver version', (m) => ({ ...m, version: 'v1' }), /version/],
    ['latest version', (m) => ({ ...m, version: 'latest' }), /version/],
    [
      'duplicate names',
      (m) => ({ ...m, images: [m.images[0], m.images[0]] }),
      /duplicate image name node-base/,
    ],
    ['unknown base', (m) => ({ ...m, images: [m.images[1]] }), /base node-base is not in the manifest/],
    [
      'package without bin',
      (m) => ({ ...m, images: [m.images[0], { ...m.images[1], bin: null }] }),
      /both set/,
    ],
    [
      'operator without engine',
      (m) => ({ ...m, images: [m.images[0], { ...m.images[1], engine: undefined }] }),
      /engine/,
    ],
    [
      'dockerfile outside images/',
      (m) => ({ ...m, images: [{ ...m.images[0], dockerfile: 'Dockerfile' }] }),
      /dockerfile/,
    ],
    ['no images', (m) => ({ ...m, images: [] }), /images/],
    [
      'a smoke suite on a base image',
      (m) => ({ ...m, images: [{ ...m.images[0], smoke: 'airflow-operator' }, m.images[1]] }),
      /only an operator image can have "smoke"/,
    ],
  ];
  it.each(bad)('rejects %s with one line', (_label, mutate, message) => {
    let error: unknown;
    try {
      parseImagesManifest(mutate(minimal()));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reports a missing or malformed file as one line', () => {
    expect(() => loadImagesManifest(tmp)).toThrow(/cannot read the images manifest/);
    mkdirSync(join(tmp, 'images'), { recursive: true });
    writeFileSync(join(tmp, 'images/images.json'), '{ nope');
    expect(() => loadImagesManifest(tmp)).toThrow(/not valid JSON/);
  });
});
