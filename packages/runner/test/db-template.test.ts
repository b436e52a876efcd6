import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAirflowHome, renderAirflowCfg } from '../src/airflow-home.js';
import {
  installTemplate,
  machineCacheDir,
  publishTemplate,
  readTemplate,
  resolveDbTemplate,
  TEMPLATE_DB_FILE,
  TEMPLATE_MANIFEST_FILE,
  templateKey,
} from '../src/db-template.js';
import { tempDir } from './helpers.js';

let d: { path: string; cleanup: () => void };
let airflow: string;
let db: string;

beforeEach(() => {
  d = tempDir('dp-db-template-');
  airflow = join(d.path, 'bin', 'airflow');
  mkdirSync(join(d.path, 'bin'));
  writeFileSync(airflow, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  db = join(d.path, 'initialised.db');
  writeFileSync(db, Buffer.from(`SQLite format 3\0${'x'.repeat(5000)}`));
});
afterEach(() => d.cleanup());

const mode = (p: string) => statSync(p).mode & 0o777;

describe('templateKey', () => {
  it('is stable for the same airflow and settings, and changes with the executable or PYTHONPATH', () => {
    const k1 = templateKey(airflow, {}).key;
    expect(templateKey(airflow, {}).key).toBe(k1);
    expect(k1).toMatch(/^[0-9a-f]{32}$/);
    expect(templateKey(airflow, { PYTHONPATH: '/other/airflow' }).key).not.toBe(k1);
    // a reinstall rewrites the executable: another mtime is another key
    utimesSync(airflow, new Date('2020-01-01'), new Date('2020-01-01'));
    expect(templateKey(airflow, {}).key).not.toBe(k1);
    const other = join(d.path, 'bin', 'airflow2');
    writeFileSync(other, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect(templateKey(other, {}).key).not.toBe(templateKey(airflow, {}).key);
  });

  it('does not depend on the run: the cfg part holds neither a home path nor a Fernet key', () => {
    const home = createAirflowHome(d.path);
    expect(renderAirflowCfg(home, '')).toContain('fernet_key = \n');
    expect(templateKey(airflow, { HOME: '/a', TMPDIR: '/b' }).key).toBe(templateKey(airflow, {}).key);
  });

  it('follows symlinks to the real executable', () => {
    expect(templateKey(airflow, {}).airflowPath).toBe(airflow);
  });
});

describe('resolveDbTemplate', () => {
  it('defaults to the per-machine cache under XDG_CACHE_HOME or ~/.cache, keyed', () => {
    const { key } = templateKey(airflow, {});
    expect(resolveDbTemplate({ HOME: '/home/u' }, airflow)).toEqual({
      kind: 'cache',
      dir: `/home/u/.cache/data-pipeline/airflow-db/${key}`,
      key,
    });
    expect(resolveDbTemplate({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' }, airflow)).toMatchObject({
      dir: `/xdg/data-pipeline/airflow-db/${key}`,
    });
    expect(machineCacheDir({ HOME: 'relative' })).toBeUndefined();
  });

  it('no HOME, or DP_AIRFLOW_DB_TEMPLATE=none: initdb on every run', () => {
    expect(resolveDbTemplate({}, airflow)).toEqual({ kind: 'none' });
    expect(resolveDbTemplate({ HOME: '/h', DP_AIRFLOW_DB_TEMPLATE: 'none' }, airflow)).toEqual({
      kind: 'none',
    });
  });

  it('an explicit absolute directory is used as given; anything else is a problem reported in one line', () => {
    const { key } = templateKey(airflow, {});
    expect(resolveDbTemplate({ DP_AIRFLOW_DB_TEMPLATE: '/opt/airflow-template' }, airflow)).toEqual({
      kind: 'explicit',
      dir: '/opt/airflow-template',
      key,
    });
    expect(resolveDbTemplate({ DP_AIRFLOW_DB_TEMPLATE: 'opt/t' }, airflow)).toEqual({
      kind: 'none',
      problem: "DP_AIRFLOW_DB_TEMPLATE must be an absolute directory or none, got 'opt/t'",
    });
    const gone = resolveDbTemplate({ HOME: '/h' }, join(d.path, 'missing-airflow'));
    expect(gone.kind).toBe('none');
    expect((gone as { problem: string }).problem).toMatch(/^cannot identify the airflow executable: ENOENT/);
  });
});

describe('publishTemplate / readTemplate', () => {
  const dirFor = () => join(d.path, 'cache', 'data-pipeline', 'airflow-db', templateKey(airflow, {}).key);

  it('round trip: the same bytes come back; private modes (0700 dirs, 0600 files); no build dir left', () => {
    const dir = dirFor();
    const { key, airflowPath } = templateKey(airflow, {});
    expect(publishTemplate(dir, key, airflowPath, db)).toBe(true);
    const got = readTemplate(dir, key);
    expect(got).toHaveProperty('db');
    expect((got as { db: Buffer }).db.equals(readFileSync(db))).toBe(true);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, '..'))).toBe(0o700);
    expect(mode(join(dir, TEMPLATE_DB_FILE))).toBe(0o600);
    expect(mode(join(dir, TEMPLATE_MANIFEST_FILE))).toBe(0o600);
    expect(readdirSync(join(dir, '..'))).toEqual([key]);
    const manifest = JSON.parse(readFileSync(join(dir, TEMPLATE_MANIFEST_FILE), 'utf8'));
    expect(manifest).toMatchObject({ format: 1, key, bytes: readFileSync(db).length, airflow: airflowPath });
  });

  it('shared (an image): world-readable, read-only', () => {
    const dir = join(d.path, 'opt', 'airflow-template');
    const { key, airflowPath } = templateKey(airflow, {});
    publishTemplate(dir, key, airflowPath, db, { shared: true });
    expect(mode(dir)).toBe(0o755);
    expect(mode(join(dir, TEMPLATE_DB_FILE))).toBe(0o444);
  });

  it('a second publisher of the same key keeps the first one and leaves nothing behind', () => {
    const dir = dirFor();
    const { key, airflowPath } = templateKey(airflow, {});
    expect(publishTemplate(dir, key, airflowPath, db)).toBe(true);
    const other = join(d.path, 'other.db');
    writeFileSync(other, 'another build');
    expect(publishTemplate(dir, key, airflowPath, other)).toBe(false);
    expect((readTemplate(dir, key) as { db: Buffer }).db.equals(readFileSync(db))).toBe(true);
    expect(readdirSync(join(dir, '..'))).toEqual([key]);
  });

  it('removes build dirs a killed runner left (older than 10 minutes), keeps fresh ones', () => {
    const parent = join(dirFor(), '..');
    mkdirSync(join(parent, '.build-old'), { recursive: true });
    mkdirSync(join(parent, '.build-fresh'));
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(join(parent, '.build-old'), old, old);
    const { key, airflowPath } = templateKey(airflow, {});
    publishTemplate(dirFor(), key, airflowPath, db);
    expect(readdirSync(parent).sort()).toEqual(['.build-fresh', key]);
  });

  it('refuses an empty database file (nothing published)', () => {
    const empty = join(d.path, 'empty.db');
    writeFileSync(empty, '');
    const { key, airflowPath } = templateKey(airflow, {});
    expect(() => publishTemplate(dirFor(), key, airflowPath, empty)).toThrow(/is empty/);
    expect(existsSync(dirFor())).toBe(false);
  });

  it('missing, truncated, altered, of another key, or with a broken manifest: never returned', () => {
    const dir = dirFor();
    const { key, airflowPath } = templateKey(airflow, {});
    expect(readTemplate(dir, key)).toBe('missing');
    publishTemplate(dir, key, airflowPath, db);
    const file = join(dir, TEMPLATE_DB_FILE);
    const good = readFileSync(file);
    chmodSync(file, 0o600);

    writeFileSync(file, good.subarray(0, 4096)); // partly written
    expect(readTemplate(dir, key)).toEqual({
      problem: 'airflow.db does not match its manifest (damaged or partly written)',
    });
    const flipped = Buffer.from(good);
    flipped[100] = (flipped[100] ?? 0) ^ 1; // same size, one bit off
    writeFileSync(file, flipped);
    expect(readTemplate(dir, key)).toHaveProperty('problem');
    writeFileSync(file, good);
    expect(readTemplate(dir, key)).toHaveProperty('db');

    expect(readTemplate(dir, 'f'.repeat(32))).toEqual({
      problem: 'it was built for another Airflow installation or airflow.cfg',
    });
    writeFileSync(join(dir, TEMPLATE_MANIFEST_FILE), '{"format": 1, "key": ');
    expect((readTemplate(dir, key) as { problem: string }).problem).toMatch(/^unreadable manifest\.json \(/);
  });

  it('installs into a home as a private 0600 file, never over an existing database', () => {
    const home = createAirflowHome(d.path);
    installTemplate(readFileSync(db), home);
    expect(mode(home.dbPath)).toBe(0o600);
    expect(readFileSync(home.dbPath).equals(readFileSync(db))).toBe(true);
    expect(() => installTemplate(readFileSync(db), home)).toThrow(/EEXIST/);
  });
});
