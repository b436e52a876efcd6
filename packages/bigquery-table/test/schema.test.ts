import { describe, expect, it } from 'vitest';
import { BUILTIN_SCHEMAS, diffSchemas, loadSchema, parseSchema, SchemaError } from '../src/index.js';

describe('parseSchema', () => {
  it('accepts the three shapes and nested records', () => {
    const fields = [
      { name: 'a', type: 'string' },
      { name: 'r', type: 'RECORD', mode: 'repeated', fields: [{ name: 'x', type: 'INT64' }] },
    ];
    expect(parseSchema(JSON.stringify(fields))[1]?.fields?.[0]?.name).toBe('x');
    expect(parseSchema(JSON.stringify({ fields }))).toHaveLength(2);
    expect(parseSchema(JSON.stringify({ schema: { fields } }))[0]?.type).toBe('STRING');
  });
  it.each([
    ['nope', /not valid JSON/],
    ['[]', /no columns/],
    ['[{"name":"a","type":"TEXT"}]', /not a BigQuery JSON schema/],
    ['[{"name":"1a","type":"STRING"}]', /column names/],
    ['[{"name":"r","type":"RECORD"}]', /needs fields/],
    ['[{"name":"a","type":"STRING"},{"name":"A","type":"STRING"}]', /duplicate column A/],
    ['[{"name":"a","type":"STRING","extra":1}]', /schema/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseSchema(text)).toThrow(SchemaError);
    expect(() => parseSchema(text)).toThrow(msg);
  });
  it('loads every builtin schema', () => {
    for (const name of BUILTIN_SCHEMAS) expect(loadSchema(`builtin:${name}`).length).toBeGreaterThan(3);
    expect(() => loadSchema('builtin:nope')).toThrow(/unknown builtin schema/);
  });
});

describe('diffSchemas', () => {
  const base = [
    { name: 'date', type: 'STRING' },
    { name: 'n', type: 'INTEGER', mode: 'NULLABLE' },
    { name: 'r', type: 'RECORD', fields: [{ name: 'x', type: 'FLOAT' }] },
  ];
  it('equal modulo aliases, case and default mode', () => {
    expect(
      diffSchemas(base, [
        { name: 'DATE', type: 'STRING', mode: 'NULLABLE' },
        { name: 'n', type: 'INT64' },
        { name: 'r', type: 'STRUCT', fields: [{ name: 'x', type: 'FLOAT64' }] },
      ]),
    ).toEqual([]);
  });
  it('names every conflicting column', () => {
    expect(
      diffSchemas(base, [
        { name: 'date', type: 'DATE' },
        { name: 'n', type: 'INTEGER', mode: 'REQUIRED' },
        { name: 'r', type: 'RECORD', fields: [{ name: 'y', type: 'FLOAT' }] },
        { name: 'extra', type: 'STRING' },
      ]),
    ).toEqual([
      'date: type STRING in the table, DATE wanted',
      'n: mode NULLABLE in the table, REQUIRED wanted',
      'r.y: missing in the existing table',
      'r.x: not in the wanted schema',
      'extra: missing in the existing table',
    ]);
  });
});
