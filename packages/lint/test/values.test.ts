import { cronProblem, durationProblem, expressionProblem, timeZoneProblem } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';

describe('cron schedules as robfig/cron ParseStandard reads them', () => {
  const cron = (s: string) => cronProblem(s, { allowTzPrefix: true });

  it('accepts ranges, steps, lists, names, ? and descriptors', () => {
    for (const s of [
      '30 23 * * *',
      '*/5 1-3 * JAN-MAR MON-FRI',
      '0 0 1,15 * sun',
      '0 12 ? * *',
      '@daily',
      '@midnight',
      '@every 1h30m',
      'CRON_TZ=Europe/Berlin 0 6 * * *',
    ])
      expect(cron(s), s).toBeUndefined();
  });

  it('refuses what the controller refuses, naming the field', () => {
    expect(cron('30 25 * * *')).toBe('hour "25": 25 is out of range 0-23');
    expect(cron('61 23 * * *')).toBe('minute "61": 61 is out of range 0-59');
    expect(cron('0 0 * * 7')).toMatch(/day of week "7": 7 is out of range 0-6/);
    expect(cron('0 0 L * *')).toMatch(/day of month "L": not a cron field/);
    expect(cron('0 0 1 * * *')).toMatch(/expected 5 fields/);
    expect(cron('@fortnightly')).toMatch(/unknown descriptor/);
    expect(cron('@every 1x')).toMatch(/not a duration/);
    expect(cron('0 0 * FOO *')).toBeDefined();
    expect(cron('CRON_TZ=Mars/Base 0 6 * * *')).toMatch(/unknown time zone/);
    expect(cronProblem('CRON_TZ=UTC 0 6 * * *', { allowTzPrefix: false })).toMatch(/use spec\.timeZone/);
  });
});

describe('time zones, durations and expressions', () => {
  it('time zones are IANA names as tzdata spells them', () => {
    for (const z of ['Etc/UTC', 'UTC', 'America/Los_Angeles', 'Europe/Berlin'])
      expect(timeZoneProblem(z)).toBeUndefined();
    expect(timeZoneProblem('America/LosAngeles')).toMatch(/unknown time zone/);
    expect(timeZoneProblem('america/los_angeles')).toMatch(/did you mean "America\/Los_Angeles"/);
    expect(timeZoneProblem('+01:00')).toMatch(/unknown time zone/);
  });

  it('durations are Go durations, or whole seconds where Argo allows them', () => {
    expect(durationProblem('1h30m', { bareSeconds: false })).toBeUndefined();
    expect(durationProblem('30', { bareSeconds: true })).toBeUndefined();
    expect(durationProblem('30', { bareSeconds: false })).toMatch(/not a duration/);
    expect(durationProblem('1x', { bareSeconds: true })).toMatch(/"1x" is not a duration/);
  });

  it('expressions compile with Argo’s functions and nothing else', () => {
    expect(expressionProblem("asInt(inputs.parameters['n']) * 10")).toBeUndefined();
    expect(expressionProblem('filter(data, {# endsWith "main.log"})')).toBeUndefined();
    expect(expressionProblem("jsonpath(workflow.parameters.json, '$[0].value') == 'true'")).toBeUndefined();
    expect(expressionProblem('sprig.toDate("2006", x) | date("2006")')).toBeUndefined();
    expect(expressionProblem('asInts(x)')).toBe('unknown function asInts() (did you mean asInt?)');
    expect(expressionProblem('sprig.env("HOME")')).toMatch(/unknown function sprig\.env\(\)/);
    expect(expressionProblem('a == ')).toMatch(/^syntax error: unexpected end/);
  });
});
