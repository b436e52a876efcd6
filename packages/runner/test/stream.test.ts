import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { LineEncoder, NOTABLE_PATTERN, OutputWatcher, Redactor } from '../src/index.js';

async function encode(chunks: Array<string | Buffer>, opts: { pretty?: boolean; secrets?: string[] } = {}) {
  const blocks: string[] = [];
  const enc = new LineEncoder({
    fields: '"src":"airflow"',
    label: 'airflow',
    pretty: opts.pretty ?? false,
    redactor: new Redactor(opts.secrets ?? []),
    onBlock: (b) => blocks.push(b),
  });
  const sink = new PassThrough();
  let out = '';
  sink.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await pipeline(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), enc, sink);
  return { out, blocks };
}

describe('LineEncoder', () => {
  it('turns lines split across chunks (even inside a UTF-8 character) into one JSON record each', async () => {
    const euro = Buffer.from('€');
    const { out } = await encode([
      'first li',
      'ne\nsecond "quoted" \\ line\r\nthird ',
      euro.subarray(0, 1),
      Buffer.concat([euro.subarray(1), Buffer.from('\ttab\nno newline at end')]),
    ]);
    const records = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.msg)).toEqual([
      'first line',
      'second "quoted" \\ line',
      'third €\ttab',
      'no newline at end',
    ]);
    expect(records[0]).toMatchObject({ level: 30, src: 'airflow' });
    expect(typeof records[0].time).toBe('number');
  });

  it('redacts secrets before anything is written or watched', async () => {
    const { out, blocks } = await encode(['password is hunter2-secret here\n'], {
      secrets: ['hunter2-secret'],
    });
    expect(out).not.toContain('hunter2');
    expect(out).toContain('password is *** here');
    expect(blocks.join('')).not.toContain('hunter2');
  });

  it('pretty mode prefixes each line with time and label', async () => {
    const { out } = await encode(['a\nb\n'], { pretty: true });
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} airflow \| a\n\d\d:\d\d:\d\d\.\d{3} airflow \| b\n$/);
  });

  it('bounds memory for endless output without newlines', async () => {
    const big = 'x'.repeat(600_000);
    const { out } = await encode([big, big, 'end\n']);
    const records = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.length).toBe(2);
    expect(records.map((r) => r.msg.length).reduce((a, b) => a + b)).toBe(1_200_003);
  });
});

describe('LineEncoder fast path', () => {
  it('encodes multi-line blocks without escapes in one go, and escapes only the lines that need it', () => {
    const enc = new LineEncoder({
      fields: '"src":"airflow"',
      label: 'airflow',
      pretty: false,
      redactor: new Redactor([]),
    });
    const plain = enc.encode('INFO - plain line\nINFO - another');
    const mixed = enc.encode('plain\nsay "hi"\ttab');
    const msgs = (records: string) =>
      records
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).msg);
    expect(msgs(plain)).toEqual(['INFO - plain line', 'INFO - another']);
    expect(msgs(mixed)).toEqual(['plain', 'say "hi"\ttab']);
  });
});

describe('OutputWatcher', () => {
  it('keeps notable lines from anywhere and only a bounded tail', () => {
    const w = new OutputWatcher(NOTABLE_PATTERN, NOTABLE_PATTERN, 100);
    w.feed('dag_id could not be found: d');
    for (let i = 0; i < 1000; i++) w.feed(`noise line ${i}`);
    expect(w.notable).toEqual(['dag_id could not be found: d']);
    const tail = w.tail();
    expect(tail.at(-1)).toBe('noise line 999');
    expect(tail.join('\n').length).toBeLessThan(200);
  });
});
