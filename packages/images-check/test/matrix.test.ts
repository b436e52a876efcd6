import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { baseImages, imageRef, loadImagesManifest, operatorImages } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const script = join(repoRoot, 'images/matrix.mjs');
const manifest = loadImagesManifest(repoRoot);
const tmp = mkdtempSync(join(tmpdir(), 'images-matrix-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[], scriptPath = script) =>
  spawnSync(process.execPath, [scriptPath, ...args], { encoding: 'utf8', timeout: 20_000 });

interface Entry {
  name: string;
  image: string;
  ref: string;
  version: string;
  dockerfile: string;
  base: string;
  'base-image': string;
  'base-dockerfile': string;
  'build-args': string;
  smoke: string;
}

/** A copy of matrix.mjs beside a manifest of our choosing. */
function withManifest(value: string): string {
  const dir = mkdtempSync(join(tmp, 'repo-'));
  mkdirSync(join(dir, 'images'));
  cpSync(script, join(dir, 'images/matrix.mjs'));
  writeFileSync(join(dir, 'images/images.json'), value);
  return join(dir, 'images/matrix.mjs');
}

describe('images/matrix.mjs', () => {
  it('prints the bases and the operator images of the manifest, with the references the API computes', () => {
    const r = run([]);
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout) as { bases: { include: Entry[] }; operators: { include: Entry[] } };
    expect(m.bases.include.map((e) => e.name)).toEqual(baseImages(manifest).map((i) => i.name));
    expect(m.operators.include.map((e) => e.name)).toEqual(operatorImages(manifest).map((i) => i.name));
    for (const e of [...m.bases.include, ...m.operators.include]) {
      const img = manifest.images.find((i) => i.name === e.name)!;
      expect(e.ref).toBe(imageRef(img, manifest));
      expect(e.image).toBe(`${manifest.registry}/${img.name}`);
      expect(e.dockerfile).toBe(img.dockerfile);
      expect(e['build-args']).toBe(
        Object.entries(img.buildArgs)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      );
      expect(e.smoke).toBe(img.smoke ?? '');
      if (img.base) {
        expect(e['base-image']).toBe(`${manifest.registry}/${img.base}`);
        expect(e['base-dockerfile']).toBe(manifest.images.find((b) => b.name === img.base)!.dockerfile);
      }
    }
  });

  it('appends both matrices to $GITHUB_OUTPUT and honours --registry', () => {
    const out = join(tmp, 'github-output');
    writeFileSync(out, 'earlier=1\n');
    const r = run(['--registry', 'ghcr.io/someone-else', `--github-output=${out}`]);
    expect(r.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('earlier=1');
    expect(lines[1]).toMatch(/^bases=\{"include":\[/);
    expect(lines[2]).toMatch(/^operators=\{"include":\[/);
    expect(lines[2]).toContain('"ref":"ghcr.io/someone-else/bigquery-operator:');
  });

  it('uses the exit codes of the runner table', () => {
    expect(EXIT_CODES.usage).toBe(64);
    expect(EXIT_CODES['invalid-input']).toBe(65);
  });

  it.each([
    [['--nope'], /unknown argument --nope/],
    [['--registry'], /--registry needs a value/],
    [['--registry', 'GHCR.io/X'], /must look like host\/org/],
  ])('answers bad usage %j with one line and exit 64', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(EXIT_CODES.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    ['not JSON', '{', /cannot read or parse/],
    ['no images', '{"registry":"ghcr.io/x","version":"1.0.0"}', /"images" must be an array/],
    ['a bad version', '{"registry":"ghcr.io/x","version":"latest","images":[]}', /"version" must be semver/],
    [
      'an unknown base',
      '{"registry":"ghcr.io/x","version":"1.0.0","images":[{"name":"a","dockerfile":"d","base":"b"}]}',
      /image a has unknown base b/,
    ],
  ])('answers a manifest with %s with one line and exit 65', (_label, json, message) => {
    const r = run([], withManifest(json));
    expect(r.status).toBe(EXIT_CODES['invalid-input']);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
