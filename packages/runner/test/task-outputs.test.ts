import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAirflowHome } from '../src/airflow-home.js';
import { readTaskRecord, taskOutputsPath } from '../src/task-outputs.js';
import { tempDir } from './helpers.js';

const d = tempDir();
afterAll(() => d.cleanup());

describe('readTaskRecord', () => {
  it('the object the task wrote, inside the private home', () => {
    const home = createAirflowHome(d.path);
    expect(taskOutputsPath(home).startsWith(`${home.path}/`)).toBe(true);
    writeFileSync(taskOutputsPath(home), JSON.stringify({ bigquery_jobs: [] }));
    expect(readTaskRecord(home)).toEqual({ bigquery_jobs: [] });
  });

  it.each([
    ['no file (the task did not finish)', undefined],
    ['not JSON (never half-written, but still)', '{"bigquery_jobs": ['],
    ['JSON that is not an object', '[1]'],
    ['null', 'null'],
  ])('%s → undefined', (_name, text) => {
    const home = createAirflowHome(d.path);
    if (text !== undefined) writeFileSync(taskOutputsPath(home), text);
    expect(readTaskRecord(home)).toBeUndefined();
  });
});
