import { join } from 'node:path';
import { staticImportsOf } from '@data-pipeline/runner/testing';
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
  expect(staticImportsOf(join(import.meta.dirname, '..', 'src'), LAZY)).toEqual([]);
});
