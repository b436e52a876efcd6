/** Shared set-up of the native-engine e2e tests: one fake BigQuery server per test file, temp dirs cleaned after. */
import type { OperatorDefinition } from '@data-pipeline/runner';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { readOutputs, runCli, runInProcess, tempDir } from './cli.js';
import { type FakeBigQuery, startFakeBigQuery } from './fake-bigquery.js';

export interface NativeSuite {
  /** The running fake (its `requests` are cleared before each test). */
  readonly fake: FakeBigQuery;
  /** A temporary directory removed when the file's tests are done. */
  tempDir(prefix: string): { path: string };
  /**
   * A runner for one operator against the fake: `--engine native`, the task id and date, `--gcp-project my-proj`,
   * a fresh `--outputs-dir` and `--bigquery-endpoint`, then `args`; as a subprocess of the bin, or in-process.
   */
  operator(op: OperatorUnderTest): (args: readonly string[], inProcess?: boolean) => Promise<NativeRun>;
}

export interface OperatorUnderTest {
  readonly bin: string;
  readonly definition: OperatorDefinition;
  readonly taskId: string;
  readonly executionDate: string;
}

export interface NativeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
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
  const suite: NativeSuite = {
    get fake() {
      if (!fake) throw new Error('useFakeBigQuery: the fake is started in beforeAll');
      return fake;
    },
    tempDir(prefix) {
      const d = tempDir(prefix);
      cleanups.push(d.cleanup);
      return d;
    },
    operator(op) {
      return async (args, inProcess = false) => {
        const out = suite.tempDir('bq-native-out-').path;
        const argv = [
          ...['--engine', 'native', '--task-id', op.taskId, '--execution-date', op.executionDate],
          ...['--gcp-project', 'my-proj', '--outputs-dir', out, '--bigquery-endpoint', suite.fake.url],
          ...args,
        ];
        const r = inProcess ? await runInProcess(op.definition, argv) : await runCli(op.bin, argv);
        return { code: r.code, stdout: r.stdout, stderr: r.stderr, outputs: readOutputs(out) };
      };
    },
  };
  return suite;
}
