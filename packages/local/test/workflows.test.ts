import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ContainerResult, type ContainerRun, parseWorkflow, runWorkflow } from '../src/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const INIT = join(repo, 'workflows', 'bigquery_step_init_workflow.yaml');
const DAILY = join(repo, 'workflows', 'bigquery_step_workflow.yaml');
const NOW = Date.UTC(2026, 10, 24, 23, 30, 0);

/** Runs a checked-in workflow with an executor that records every container (no processes, no warehouse). */
async function interpret(file: string, parameters: Record<string, string>) {
  const runs: ContainerRun[] = [];
  const order: string[] = [];
  /** The most write-github-daily containers running at once. */
  let active = 0;
  let maxActive = 0;
  const result = await runWorkflow(parseWorkflow(readFileSync(file, 'utf8'), file), {
    parameters,
    clock: () => NOW,
    executor: {
      async run(spec): Promise<ContainerResult> {
        runs.push(spec);
        const daily = spec.template === 'write-github-daily';
        if (daily) maxActive = Math.max(maxActive, ++active);
        await new Promise((r) => setTimeout(r, 1));
        if (daily) active--;
        order.push(spec.template);
        return { exitCode: 0, outputs: {} };
      },
    },
  });
  const arg = (r: ContainerRun, flag: string) =>
    r.container.args?.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  return { result, runs, order, arg, maxActive };
}

describe.skipIf(!existsSync(INIT) || !existsSync(DAILY))('the checked-in workflows, interpreted', () => {
  it('init: ensures the dataset and 4 tables, then backfills exactly 40 execution dates R .. R-39', async () => {
    const { result, runs, arg } = await interpret(INIT, { 'gcp-project': 'p' });
    expect(result.phase).toBe('Succeeded');
    const tables = runs.filter((r) => r.template === 'ensure-table').map((r) => arg(r, '--table-id'));
    expect(tables.sort()).toEqual([
      'github_agg',
      'github_daily_metrics',
      'hackernews_agg',
      'hackernews_github_agg',
    ]);
    const dates = runs
      .filter((r) => r.template === 'write-github-daily')
      .map((r) => arg(r, '--execution-date')!);
    expect(new Set(dates).size).toBe(40);
    const expected = Array.from({ length: 40 }, (_, i) =>
      new Date(NOW - i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', ''),
    );
    expect([...dates].sort()).toEqual([...expected].sort());
    // the Jinja destination decorator reaches the operator untouched
    const dest = runs.find((r) => r.template === 'write-github-daily')!;
    expect(arg(dest, '--destination-dataset-table')).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Jinja tag, passed through untouched
      'p:github_trends.github_daily_metrics${{ yesterday_ds_nodash }}',
    );
    // the secret volume name is resolved from the workflow parameter
    expect(dest.volumes.find((v) => v.secret)?.secret?.secretName).toBe('bigquery-sa-secret');
  });

  it('init: -p parallelism bounds the concurrent backfill lanes', async () => {
    const { runs, maxActive } = await interpret(INIT, {
      'gcp-project': 'p',
      'run-date': '20260310',
      parallelism: '7',
    });
    expect(maxActive).toBe(7);
    const dates = runs
      .filter((r) => r.template === 'write-github-daily')
      .map((r) => r.container.args!.find((a) => a.startsWith('--execution-date='))!);
    expect(new Set(dates).size).toBe(40);
    expect(dates).toContain('--execution-date=20260310');
    expect(dates).toContain('--execution-date=20260130');
  });

  it('init: a 400-day backfill with parallelism=2 runs flat (far below Argo depth 100), one node per data day', async () => {
    const { result, runs, arg, maxActive } = await interpret(INIT, {
      'gcp-project': 'p',
      'run-date': '20261120',
      'backfill-num-days': '400',
      parallelism: '2',
    });
    expect(result.phase).toBe('Succeeded');
    // two lanes, each one day at a time (the lane template's parallelism: 1)
    expect(maxActive).toBe(2);
    const daily = result.tasks.filter((t) => t.template === 'write-github-daily');
    expect(daily).toHaveLength(400);
    // labelled by the data day (R-1 .. R-400), each written by the run for the day after it
    const day = (i: number) =>
      new Date(Date.UTC(2026, 10, 20) - i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    expect(daily.map((t) => t.name).sort()).toEqual(
      Array.from({ length: 400 }, (_, i) => `github-daily(${day(i + 1)})`).sort(),
    );
    const dates = runs
      .filter((r) => r.template === 'write-github-daily')
      .map((r) => arg(r, '--execution-date'));
    expect([...dates].sort()).toEqual(Array.from({ length: 400 }, (_, i) => day(i)).sort());
    // no helper rows: only the dataset, the 4 tables and the 400 days
    expect(result.tasks).toHaveLength(405);
  });

  it('init: fewer days than lanes leaves the extra lanes empty', async () => {
    const { result } = await interpret(INIT, {
      'gcp-project': 'p',
      'backfill-num-days': '3',
      parallelism: '5',
    });
    expect(result.phase).toBe('Succeeded');
    expect(result.tasks.filter((t) => t.template === 'write-github-daily')).toHaveLength(3);
    expect(result.tasks).toHaveLength(8);
  });

  it('daily: seven tasks in dependency order for -p run-date; target runs a task plus everything upstream', async () => {
    const { result, runs, order, arg } = await interpret(DAILY, {
      'gcp-project': 'p',
      'run-date': '20261120',
    });
    expect(result.phase).toBe('Succeeded');
    expect(runs).toHaveLength(7);
    expect(new Set(runs.map((r) => arg(r, '--execution-date')))).toEqual(new Set(['20261120']));
    const pos = (t: string) => order.indexOf(t);
    // the original's step groups: both checks, then both first writers, then write-github-agg, the join, the check
    for (const w of ['write-github-daily', 'write-hn-agg'])
      expect(pos(w)).toBeGreaterThan(Math.max(pos('check-github-data'), pos('check-hn-data')));
    expect(pos('write-github-agg')).toBeGreaterThan(Math.max(pos('write-github-daily'), pos('write-hn-agg')));
    expect(pos('write-hn-github-agg')).toBe(5);
    expect(pos('check-hn-github-agg')).toBe(6);
    const partial = await interpret(DAILY, {
      'gcp-project': 'p',
      'run-date': '20261120',
      target: 'write-hn-agg',
    });
    expect(partial.runs.map((r) => r.template).sort()).toEqual([
      'check-github-data',
      'check-hn-data',
      'write-hn-agg',
    ]);
  });

  it('daily: an empty run-date means today (UTC) from the creation timestamp', async () => {
    const { runs, arg } = await interpret(DAILY, { 'gcp-project': 'p' });
    expect(new Set(runs.map((r) => arg(r, '--execution-date')))).toEqual(new Set(['20261124']));
  });

  it('daily: gcp-project is required', async () => {
    await expect(interpret(DAILY, {})).rejects.toThrow(/gcp-project has no value/);
  });
});
