/** Shared set-up of the native-engine e2e tests: one fake BigQuery server per test file, temp dirs cleaned after. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { tempDir } from './cli.js';
import { type FakeBigQuery, startFakeBigQuery } from './fake-bigquery.js';

export interface NativeSuite {
  /** The running fake (its `requests` are cleared before each test). */
  readonly fake: FakeBigQuery;
  /** A temporary directory removed when the file's tests are done. */
  tempDir(prefix: string): { path: string };
}

/** Registers the hooks (call at the top level of a test file) and returns the suite's handles. */
export function useFakeBigQuery(): NativeSuite {
  let fake: FakeBigQuery | undefined;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    fake = await startFakeBigQuery();
  });
  afterAll(async () => {
    await fake?.close();
    for (const c of cleanups.splice(0)) c();
  });
  beforeEach(() => {
    if (fake) fake.requests.length = 0;
  });
  return {
    get fake() {
      if (!fake) throw new Error('useFakeBigQuery: the fake is started in beforeAll');
      return fake;
    },
    tempDir(prefix) {
      const d = tempDir(prefix);
      cleanups.push(d.cleanup);
      return d;
    },
  };
}
