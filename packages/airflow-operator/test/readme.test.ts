import { join } from 'node:path';
import { checkReadmeFlagTable } from '@data-pipeline/runner';
import { describe, expect, it } from 'vitest';
import { definition } from '../src/definition.js';

describe('README', () => {
  it('has the flag table generated from the definition (run `npm run docs -w packages/airflow-operator`)', async () => {
    const { ok, expected, actual } = await checkReadmeFlagTable(
      definition,
      join(import.meta.dirname, '..', 'README.md'),
    );
    if (!ok) expect(actual).toBe(expected);
    expect(ok).toBe(true);
  });
});
