import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// An operator bin on the Airflow engine loads its definition (and so this package) before it spawns Airflow; the
// BigQuery client libraries and the template engine are only needed by the native engine, so they are imported
// lazily (`await import(...)`) where they are used. A static value import would put them on every start-up.
const LAZY = [
  '@google-cloud/bigquery',
  'google-auth-library',
  '@data-pipeline/airflow-templates',
  'nunjucks',
];

it('the native-only libraries are never imported statically by bigquery-client', () => {
  const src = join(import.meta.dirname, '..', 'src');
  const offenders: string[] = [];
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(src, file), 'utf8');
    for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      if (LAZY.includes(m[1] as string)) offenders.push(`${file}: ${m[1]}`);
    }
  }
  expect(offenders).toEqual([]);
});
