import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/argparse.js';
import { parseIni } from '../src/config.js';
import type { DagTask } from '../src/dagbag.js';
import { Fernet } from '../src/fernet.js';
import { isoformat, naive, parseLenientDate, pyRepr } from '../src/naive-date.js';
import { needsRendering } from '../src/render.js';
import { backfillDates, parseCron, previousSchedule, scheduleFromJson } from '../src/schedule.js';
import { parseConnUri } from '../src/uri.js';

const d = (s: string) => parseLenientDate(s)!.value;
const isoList = (xs: number[]) => xs.map(isoformat);

describe('dates', () => {
  it.each([
    ['2018-01-10', '2018-01-10T00:00:00'],
    ['20180110', '2018-01-10T00:00:00'],
    ['2018/01/10', '2018-01-10T00:00:00'],
    ['2018-01-10T05:06:07', '2018-01-10T05:06:07'],
    ['2018-01-10 05:06', '2018-01-10T05:06:00'],
    ['20180110T050607', '2018-01-10T05:06:07'],
    ['10 Jan 2018', '2018-01-10T00:00:00'],
    ['January 10, 2018', '2018-01-10T00:00:00'],
  ])('parses %s leniently', (input, iso) => {
    expect(isoformat(d(input))).toBe(iso);
  });

  it.each(['xyz', '2018-13-01', '2018-02-30', ''])('rejects %j', (input) => {
    expect(parseLenientDate(input)).toBeUndefined();
  });

  it('flags zone-aware input and prints Python reprs', () => {
    expect(parseLenientDate('2018-01-10T00:00:00+00:00')?.aware).toBe(true);
    expect(pyRepr(naive(2018, 1, 10))).toBe('datetime.datetime(2018, 1, 10, 0, 0)');
    expect(pyRepr(naive(2018, 1, 10, 1, 2, 3))).toBe('datetime.datetime(2018, 1, 10, 1, 2, 3)');
  });
});

describe('schedules (BackfillJob date loop)', () => {
  const s = (value: string) => scheduleFromJson({ type: 'string', value });
  it('cron presets move an off-tick start to the next tick', () => {
    expect(isoList(backfillDates(s('@daily'), d('2018-01-10T10:00'), d('2018-01-12')))).toEqual([
      '2018-01-11T00:00:00',
      '2018-01-12T00:00:00',
    ]);
    expect(backfillDates(s('@daily'), d('2018-01-10T10:00'), d('2018-01-10T10:00'))).toEqual([]);
    expect(isoList(backfillDates(s('@weekly'), d('2018-01-01'), d('2018-01-31')))).toEqual([
      '2018-01-07T00:00:00',
      '2018-01-14T00:00:00',
      '2018-01-21T00:00:00',
      '2018-01-28T00:00:00',
    ]);
    expect(isoList(backfillDates(s('30 23 * * 1-5'), d('2018-01-05'), d('2018-01-09')))).toEqual([
      '2018-01-05T23:30:00',
      '2018-01-08T23:30:00',
    ]);
    expect(isoformat(previousSchedule(s('@monthly'), d('2018-03-01'))!)).toBe('2018-02-01T00:00:00');
  });
  it('@once and None run exactly once; timedelta steps from -s as given', () => {
    expect(isoList(backfillDates(s('@once'), d('2018-01-10'), d('2018-01-20')))).toEqual([
      '2018-01-10T00:00:00',
    ]);
    expect(backfillDates({ kind: 'none' }, d('2018-01-10'), d('2018-01-09'))).toEqual([]);
    const delta = scheduleFromJson({ type: 'timedelta', seconds: 43200 });
    expect(isoList(backfillDates(delta, d('2018-01-10T01:00'), d('2018-01-11')))).toEqual([
      '2018-01-10T01:00:00',
      '2018-01-10T13:00:00',
    ]);
  });
  it('rejects malformed cron expressions', () => {
    expect(() => parseCron('* * *')).toThrow(/Exactly 5 or 6 columns/);
    expect(() => parseCron('61 * * * *')).toThrow(/not acceptable/);
  });
});

describe('Connection.parse_from_uri', () => {
  it('maps URI parts like 1.8.2 (query ignored, postgresql → postgres, host lower-cased)', () => {
    expect(parseConnUri('postgresql://User:p%40ss@Host.Example:5432/db?extra=1')).toEqual({
      conn_type: 'postgres',
      host: 'host.example',
      schema: 'db',
      login: 'User',
      password: 'p%40ss',
      port: 5432,
    });
    expect(parseConnUri('google_cloud_platform://').conn_type).toBe('');
    expect(parseConnUri('google-cloud-platform://').conn_type).toBe('google-cloud-platform');
    expect(parseConnUri('').host).toBe('');
    expect(() => parseConnUri('mysql://h:99999/x')).toThrow(/Port out of range/);
  });
});

describe('misc', () => {
  it('Fernet round-trips and rejects other keys', () => {
    const key = `${Buffer.alloc(32, 7).toString('base64url')}=`;
    const f = Fernet.fromKey(key)!;
    const token = f.encrypt('s3cret ☃');
    expect(token).toMatch(/^gAAAAA/);
    expect(f.decrypt(token)).toBe('s3cret ☃');
    const other = Fernet.fromKey(`${Buffer.alloc(32, 8).toString('base64url')}=`)!;
    expect(() => other.decrypt(token)).toThrow();
    expect(Fernet.fromKey('cryptography_not_found_storing_passwords_in_plain_text')).toBeUndefined();
  });

  it('sends a templated field to Jinja only when Jinja could change it', () => {
    const task = (values: Record<string, unknown>, ext: string[] = ['.sql']) =>
      ({ values, template_fields: Object.keys(values), template_ext: ext }) as unknown as DagTask;
    expect(needsRendering(task({ bql: 'SELECT 1', env: null, x: '' }))).toBe(false);
    expect(needsRendering(task({ bql: 'SELECT {{ ds }}' }))).toBe(true);
    expect(needsRendering(task({ bql: '{% if 1 %}x{% endif %}' }))).toBe(true);
    expect(needsRendering(task({ bql: 'SELECT 1 {# c #}' }))).toBe(true);
    expect(needsRendering(task({ bql: 'SELECT 1\n' }))).toBe(true); // Jinja drops one trailing newline
    expect(needsRendering(task({ bql: 'SELECT 1\r\nFROM t' }))).toBe(true); // and normalises newlines
    expect(needsRendering(task({ bql: 'query.sql' }))).toBe(true); // a template file name
    expect(needsRendering(task({ env: { A: 'b' } }))).toBe(true); // containers are walked by Jinja
    expect(needsRendering(task({ n: 5 }))).toBe(true); // 1.8.2 rejects the type
  });

  it('parses ini files like ConfigParser', () => {
    const ini = parseIni('# c\n[core]\nA = 1\nb: two\n  continued\n; x\n[scheduler]\njob_heartbeat_sec=1\n');
    expect(ini.get('core')?.get('a')).toBe('1');
    expect(ini.get('core')?.get('b')).toBe('two\ncontinued');
    expect(ini.get('scheduler')?.get('job_heartbeat_sec')).toBe('1');
  });

  it('argparse: =values, attached short values, abbreviations, combined flags, prefix of -dr', () => {
    const p = parseArgv([
      'backfill',
      '--start_date=2018-01-10',
      '-e20180111',
      '--task',
      'x',
      '-mi',
      '-d',
      'dag',
    ]);
    expect(p.help).toBe(false);
    if (p.help) return;
    expect(p.values).toMatchObject({
      task_regex: 'x',
      mark_success: true,
      ignore_dependencies: true,
      dry_run: true,
      dag_id: 'dag',
    });
    expect(isoformat((p.values.end_date as { value: number }).value)).toBe('2018-01-11T00:00:00');
  });
});
