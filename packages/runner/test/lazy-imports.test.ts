import { join } from 'node:path';
import { expect, it } from 'vitest';
import { staticImportsOf } from '../src/testing.js';

// Every operator bin loads the runner; only the native engine renders templates (Airflow renders them on the
// Airflow engine), so the template engine is imported lazily (`await import(...)`) where it is used.
it('the template engine is never imported statically by the runner', () => {
  const src = join(import.meta.dirname, '..', 'src');
  expect(staticImportsOf(src, ['@data-pipeline/airflow-templates', 'nunjucks'])).toEqual([]);
});
