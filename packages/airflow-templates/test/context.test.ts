import { describe, expect, it } from 'vitest';
import { dsAdd, dsFormat, renderTemplate, TemplateRenderError, templateContext } from '../src/index.js';

const ctx = templateContext(new Date('2018-01-10T00:00:00Z'), {
  dagId: 'dag',
  taskId: 'task',
  params: { a: 1 },
});

describe('templateContext (Airflow 1.8.2 keys, reference table for 2018-01-10)', () => {
  it.each([
    ['ds', '2018-01-10'],
    ['ds_nodash', '20180110'],
    ['ts', '2018-01-10T00:00:00'],
    ['ts_nodash', '20180110T000000'],
    ['yesterday_ds', '2018-01-09'],
    ['yesterday_ds_nodash', '20180109'],
    ['tomorrow_ds', '2018-01-11'],
    ['tomorrow_ds_nodash', '20180111'],
    ['END_DATE', '2018-01-10'],
    ['end_date', '2018-01-10'],
    ['latest_date', '2018-01-10'],
    ['run_id', 'backfill_2018-01-10T00:00:00'],
    ['task_instance_key_str', 'dag__task__20180110'],
  ])('%s = %s', (key, value) => {
    expect(ctx[key]).toBe(value);
    expect(renderTemplate(`{{ ${key} }}`, ctx)).toBe(value);
  });

  it('execution_date renders like str(datetime)', () => {
    expect(renderTemplate('{{ execution_date }}', ctx)).toBe('2018-01-10 00:00:00');
    expect(renderTemplate('{{ execution_date.isoformat() }}', ctx)).toBe('2018-01-10T00:00:00');
  });

  it('prev/next_execution_date are None for @once and follow @daily', () => {
    expect(renderTemplate('{{ prev_execution_date }}', ctx)).toBe('None');
    const daily = templateContext(new Date('2024-03-01T00:00:00Z'), {
      dagId: 'd',
      taskId: 't',
      schedule: '@daily',
    });
    expect(renderTemplate('{{ prev_execution_date }}|{{ next_execution_date }}', daily)).toBe(
      '2024-02-29 00:00:00|2024-03-02 00:00:00',
    );
  });

  it("task.owner and ti.try_number as the runner's DAG has them (checked against real Airflow elsewhere)", () => {
    expect(
      renderTemplate('{{ task.owner }}|{{ ti.try_number }}|{{ dag.owner }}|{{ task.retries }}', ctx),
    ).toBe('data-pipeline|1|data-pipeline|0');
    const other = templateContext(new Date('2018-01-10T00:00:00Z'), { dagId: 'd', taskId: 't', owner: 'me' });
    expect(renderTemplate('{{ task.owner }}', other)).toBe('me');
  });

  it('macros.timedelta, macros.dateutil.relativedelta and datetime arithmetic', () => {
    expect(renderTemplate('{{ execution_date - macros.timedelta(days=10) }}', ctx)).toBe(
      '2017-12-31 00:00:00',
    );
    expect(
      renderTemplate(
        '{{ execution_date + macros.dateutil.relativedelta.relativedelta(months=1, day=31) }}',
        ctx,
      ),
    ).toBe('2018-02-28 00:00:00');
    expect(renderTemplate('{{ macros.datetime.strptime(ds, "%Y-%m-%d").strftime("%d.%m") }}', ctx)).toBe(
      '10.01',
    );
  });

  it('params and tables', () => {
    expect(renderTemplate('{{ params.a }}|{{ tables }}', ctx)).toBe('1|None');
  });

  it('rejects an invalid date', () => {
    expect(() => templateContext(new Date('nope'), { dagId: 'd', taskId: 't' })).toThrow(RangeError);
  });
});

describe('macros', () => {
  it('ds_add across month, year and leap boundaries', () => {
    expect(dsAdd('2024-03-01', -1)).toBe('2024-02-29');
    expect(dsAdd('2023-03-01', -1)).toBe('2023-02-28');
    expect(dsAdd('2025-01-01', -28)).toBe('2024-12-04');
    expect(dsAdd('2026-12-31', 1)).toBe('2027-01-01');
    expect(dsAdd('2024-01-10', 0)).toBe('2024-01-10');
  });
  it('ds_format', () => {
    expect(dsFormat('2024-02-29', '%Y-%m-%d', '%d/%m/%Y')).toBe('29/02/2024');
    expect(dsFormat('20240229', '%Y%m%d', '%Y-%m-%d')).toBe('2024-02-29');
  });
  it('raise ValueError for impossible dates', () => {
    expect(() => dsAdd('2023-02-29', 1)).toThrow(/day is out of range for month/);
    expect(() => dsFormat('2024-02-29', '%Y%m%d', '%d')).toThrow(/does not match format/);
  });
});

describe('renderTemplate errors are one line with a kind', () => {
  it.each([
    ['{{ nothing.attr }}', 'undefined'],
    ['{{ macros.ds_addd(ds, 1) }}', 'undefined'],
    ["{{ macros.ds_add('x', 1) }}", 'value'],
    ['{% if ds %}', 'syntax'],
    ['{{ ds ', 'syntax'],
    ['{{ ds - 1 }}', 'type'],
    ['{{ "%s %s" % ds }}', 'type'],
    ['{{ var.value.x }}', 'key'],
    ['{{ var.json.x }}', 'key'],
    ['{{ 1 // 0 }}', 'arithmetic'],
    ['{{ ds[::0] }}', 'value'],
    ["{{ conf.get('core', 'x') }}", 'unsupported'],
    ['{{ conf }}', 'unsupported'],
    ['{{ task.email }}', 'unsupported'],
    ['{{ ti.xcom_pull(task_ids="x") }}', 'unsupported'],
    ['{{ dag.default_args }}', 'unsupported'],
    ['{{ macros.hive.max_partition("t") }}', 'unsupported'],
    ['{{ macros.dateutil.parser.parse(ds) }}', 'unsupported'],
    ['{{ macros.dateutil.relativedelta.relativedelta(weekday=1) }}', 'type'],
    ['{{ 4 / 2 }}', 'unsupported'],
    ['{{ task }}', 'unsupported'],
    ['{{ 10 ** 400 }}', 'unsupported'],
  ])('%s → %s', (tpl, kind) => {
    try {
      renderTemplate(tpl, ctx);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateRenderError);
      expect((err as TemplateRenderError).kind).toBe(kind);
      expect((err as Error).message).not.toMatch(/\n/);
    }
  });

  it('names what the native engine cannot do, and how to run it anyway', () => {
    expect(() => renderTemplate("{{ conf.get('core', 'dags_folder') }}", ctx)).toThrow(
      'not supported by the native engine: conf.get (run the step with --engine airflow)',
    );
    expect(() => renderTemplate('{{ var.value.my_var }}', ctx)).toThrow(
      "KeyError: 'Variable my_var does not exist'",
    );
  });

  it('does not change nunjucks behaviour outside renderTemplate', async () => {
    const nunjucks = (await import('nunjucks')).default;
    expect(nunjucks.renderString('{{ a.b }}|{{ x }}', {})).toBe('|');
    // Stock nunjucks: JavaScript operators, the comma operator, no slices.
    expect(nunjucks.renderString('{{ "a" - 1 }}|{{ (1, 2) }}|{{ n ~ "x" }}|{{ [1, 2] }}', { n: null })).toBe(
      'NaN|2|nullx|1,2',
    );
    expect(() => nunjucks.renderString('{{ "abc"[1:2] }}', {})).toThrow();
    // ...and ours still works after them.
    expect(renderTemplate('{{ ds_nodash[:6] }}|{{ "%s" % ds }}', ctx)).toBe('201801|2018-01-10');
  });
});
