import { describe, expect, it } from 'vitest';
import {
  builtinFunctions,
  evaluateExpr,
  exprNames,
  formatGo,
  GoTime,
  parseExpression,
  parseGo,
  parseGoDuration,
  type Value,
} from '../src/index.js';

const NOW = Date.UTC(2026, 10, 24, 23, 30, 0); // 2026-11-24T23:30:00Z
const env = (extra: Record<string, Value> = {}) => ({ ...builtinFunctions(() => NOW), ...extra });
const ev = (src: string, extra: Record<string, Value> = {}) => evaluateExpr(src, env(extra));

describe('expr-lang subset', () => {
  it('keeps int and float apart like expr-lang', () => {
    expect(ev('1 + 2')).toBe(3n);
    expect(ev('7 / 2')).toBe(3.5);
    expect(ev('7 % 4')).toBe(3n);
    expect(ev('2 * 3 - 1')).toBe(5n);
    expect(ev('-(2 + 3)')).toBe(-5n);
    expect(ev('2 ** 3')).toBe(8);
  });

  it('compares, combines and branches', () => {
    expect(ev("'a' == 'a' && 1 < 2")).toBe(true);
    expect(ev("'75' == 75")).toBe(false);
    expect(ev("asInt('75') == 75")).toBe(true);
    expect(ev('1 > 2 || !false')).toBe(true);
    expect(ev("x != '' ? x : 'dflt'", { x: '' })).toBe('dflt');
    expect(ev("x != '' ? x : 'dflt'", { x: 'given' })).toBe('given');
    expect(ev("'a' + 'b'")).toBe('ab');
    expect(ev("'abc' contains 'b' and 'abc' startsWith 'a'")).toBe(true);
    expect(ev('2 in [1, 2]')).toBe(true);
  });

  it('reads nested scope with dots and brackets', () => {
    const workflow = { parameters: { 'run-date': '20261120', target: '' } };
    expect(ev("workflow.parameters['run-date']", { workflow })).toBe('20261120');
    expect(ev('workflow.parameters.target', { workflow })).toBe('');
    expect(() => ev('workflow.parameters.nope', { workflow })).toThrow(
      /unknown name workflow.parameters.nope/,
    );
  });

  it('converts with int/float/string/asInt/asFloat', () => {
    expect(ev("int('42') + 1")).toBe(43n);
    expect(ev('asFloat("1.5")')).toBe(1.5);
    expect(ev('string(24 * 3)')).toBe('72');
    expect(ev('int(3.9)')).toBe(3n);
    expect(() => ev("asInt('x')")).toThrow(/int/);
  });

  it('reports syntax errors clearly', () => {
    expect(() => ev('1 +')).toThrow(/unexpected end/);
    expect(() => ev("'open")).toThrow(/unterminated string/);
    expect(() => ev('1 @ 2')).toThrow(/unexpected character/);
    expect(() => ev('1 # 2')).toThrow(/unexpected token at column 3/);
  });

  it('parses the expr-lang forms Argo examples use, without evaluating them', () => {
    const names = (src: string) => exprNames(parseExpression(src));
    expect(names('filter(data, {# endsWith "main.log"})')).toEqual({
      variables: ['data'],
      calls: ['filter'],
    });
    expect(names('map(xs, .age > 3) | join(",")').calls.sort()).toEqual(['join', 'map']);
    expect(names("sprig.dateInZone('20060102', asInt(workflow.creationTimestamp.s), 'UTC')")).toEqual({
      variables: ['workflow'],
      calls: ['sprig.dateInZone', 'asInt'],
    });
    expect(names('(now() - cronworkflow.lastScheduledTime).Seconds() > 360').calls).toEqual(['now']);
    expect(names("tasks['a']?.outputs.result ?? 'x'").variables).toEqual(['tasks']);
    expect(names('xs[1:2]').variables).toEqual(['xs']);
    expect(ev('1..3')).toEqual([1n, 2n, 3n]);
    expect(ev('a?.b', { a: null })).toBe(null);
    expect(() => parseExpression("asInt(workflow.parameters['x']")).toThrow(/expected ','/);
    expect(() => parseExpression('a ==')).toThrow(/unexpected end/);
    expect(() => ev('f({# > 0})', { f: () => null })).toThrow(/closures/);
  });

  it('evaluates govaluate when-expressions with bare words as strings', () => {
    expect(evaluateExpr('all == all', {}, 'govaluate')).toBe(true);
    expect(evaluateExpr('foo != bar', {}, 'govaluate')).toBe(true);
    expect(evaluateExpr('3 < 10 && true', {}, 'govaluate')).toBe(true);
    expect(evaluateExpr("'a' =~ '^a$'", {}, 'govaluate')).toBe(true);
  });
});

describe('sprig dates and Go layouts', () => {
  it('dateInZone with epoch seconds from creationTimestamp.s', () => {
    const s = String(Math.floor(NOW / 1000));
    expect(ev("sprig.dateInZone('20060102', asInt(s), 'UTC')", { s })).toBe('20261124');
    expect(ev("sprig.dateInZone('2006-01-02 15:04', asInt(s) - 86400, 'UTC')", { s })).toBe(
      '2026-11-23 23:30',
    );
    expect(ev("sprig.dateInZone('2006-01-02T15:04', asInt(s), 'Europe/Berlin')", { s })).toBe(
      '2026-11-25T00:30',
    );
  });

  it('a non-int date falls back to now, as sprig does', () => {
    expect(ev("sprig.date('20060102', 'garbage')")).toBe('20261124');
  });

  it('toDate + dateModify walk back whole days', () => {
    const expr =
      "sprig.dateInZone('20060102', sprig.dateModify('-' + string(24 * asInt(i)) + 'h', sprig.toDate('20060102-0700', d + '+0000')), 'UTC')";
    expect(ev(expr, { i: '0', d: '20260301' })).toBe('20260301');
    expect(ev(expr, { i: '1', d: '20260301' })).toBe('20260228');
    expect(ev(expr, { i: '39', d: '20261124' })).toBe('20261016');
  });

  it('formats and parses Go layouts', () => {
    const t = new GoTime(Date.UTC(2026, 0, 5, 7, 8, 9, 120));
    expect(formatGo(t, '2006-01-02T15:04:05.000Z07:00')).toBe('2026-01-05T07:08:09.120Z');
    expect(formatGo(t, 'Mon Jan _2 3:04PM 06')).toBe('Mon Jan  5 7:08AM 26');
    expect(parseGo('20060102', '20261120').ms).toBe(Date.UTC(2026, 10, 20));
    expect(parseGo('2006-01-02T15:04:05Z07:00', '2026-11-20T01:00:00+01:00').ms).toBe(Date.UTC(2026, 10, 20));
    expect(() => parseGo('20060102', '2026-11-20')).toThrow(/cannot parse/);
    expect(() => parseGo('20060102', '20260230')).toThrow(/out of range/);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('-24h')).toBe(-86_400_000);
    expect(() => parseGoDuration('3 days')).toThrow(/invalid duration/);
  });

  it.each([
    // layout, UTC, +05:30, -01:00 (as Go's time.Format writes them)
    ['Z07:00', 'Z', '+05:30', '-01:00'],
    ['Z0700', 'Z', '+0530', '-0100'],
    ['Z07', 'Z', '+05', '-01'],
    ['-07:00', '+00:00', '+05:30', '-01:00'],
    ['-0700', '+0000', '+0530', '-0100'],
    ['-07', '+00', '+05', '-01'],
  ])('zone offset layout %s formats and parses back', (layout, utc, east, west) => {
    const ms = Date.UTC(2026, 0, 5, 7, 8);
    const cases: [number, string][] = [
      [0, utc],
      [330, east],
      [-60, west],
    ];
    for (const [offset, text] of cases) {
      expect(formatGo(new GoTime(ms, offset), layout)).toBe(text);
      // hours-only layouts drop the minutes, so +05:30 reads back as +05:00
      const back = layout.endsWith('07') ? Math.trunc(offset / 60) * 60 : offset;
      const t = parseGo(`2006-01-02 15:04 ${layout}`, `2026-01-05 07:08 ${text}`);
      expect(t.offsetMinutes).toBe(back);
      expect(t.ms).toBe(ms - back * 60_000); // 07:08 wall clock at that offset
    }
  });

  it('time methods', () => {
    expect(ev("sprig.toDate('20060102', '20261120').AddDate(0, 0, -1).Format('20060102')")).toBe('20261119');
    expect(ev("sprig.toDate('20060102', '19700102').Unix()")).toBe(86400n);
    expect(ev("sprig.unixEpoch(sprig.toDate('20060102', '19700102'))")).toBe('86400');
  });
});
