/**
 * Real BigQuery without any credentials (no key, no gcloud ADC, no metadata server): one line saying what was looked
 * for and where, exit 78 — not a network error from a request sent without credentials.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'bigquery-operator.js');
const home = mkdtempSync(join(tmpdir(), 'bqop-nocreds-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('no credentials anywhere: 78, one line naming GOOGLE_APPLICATION_CREDENTIALS, the gcloud file and the metadata server', async () => {
  const args = [
    '--engine',
    'native',
    '--task-id',
    't',
    '--execution-date',
    '2026-11-23',
    '--gcp-project',
    'my-project-1',
    '--bql',
    'SELECT 1',
    '--use-legacy-sql',
    'false',
  ];
  const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    // HOME without gcloud files; no GOOGLE_APPLICATION_CREDENTIALS; GCE_METADATA_HOST at a closed loopback port, so
    // the metadata lookup is refused at once instead of reaching for the network.
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, GCE_METADATA_HOST: '127.0.0.1:1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
  expect(r.code).toBe(78);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(
    new RegExp(
      `no Google credentials found: GOOGLE_APPLICATION_CREDENTIALS is not set, ${home}/\\.config/gcloud/application_default_credentials\\.json does not exist, and no GCE/GKE metadata server answered`,
    ),
  );
  expect(r.out + r.err).not.toMatch(/ENOTFOUND|googleapis\.com\/bigquery/);
}, 60_000);
