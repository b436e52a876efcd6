import { describe, expect, it } from 'vitest';
import {
  asWritten,
  findTags,
  looksLikeArgoVariable,
  parseTag,
  replaceTags,
  type TagSpan,
  tagSpans,
} from '../src/index.js';

const spans = (s: string): TagSpan[] => [...tagSpans(s)];
const raws = (s: string): string[] => spans(s).map((t) => t.raw);

describe('tag grammar: from a {{ to the next }}', () => {
  it('finds tags with their positions; text between and around stays out', () => {
    const s = 'a {{x}} b {{ y }}';
    expect(spans(s)).toEqual([
      { start: 2, end: 7, raw: 'x' },
      { start: 10, end: 17, raw: ' y ' },
    ]);
    for (const t of spans(s)) expect(s.slice(t.start, t.end)).toBe(`{{${t.raw}}}`);
  });

  it('reads adjacent tags, an empty tag and a tag spanning lines', () => {
    expect(raws('{{a}}{{b}}')).toEqual(['a', 'b']);
    expect(findTags('{{}}')).toEqual([{ raw: '', kind: 'simple', text: '' }]);
    expect(findTags('{{\n  inputs.parameters.x\n}}')).toEqual([
      { raw: '\n  inputs.parameters.x\n', kind: 'simple', text: 'inputs.parameters.x' },
    ]);
  });

  it('does not nest: an inner {{ belongs to the outer tag, which ends at the first }}', () => {
    expect(raws('{{ a {{ b }} }}')).toEqual([' a {{ b ']);
    expect(replaceTags('{{ a {{ b }} }}', () => 'X')).toBe('X }}');
    expect(raws('{{{a}}}')).toEqual(['{a']);
    expect(replaceTags('{{{a}}}', () => 'X')).toBe('X}');
  });

  it('an unterminated {{ is text, and so is a lone }}', () => {
    expect(raws('{{a}} then {{b')).toEqual(['a']);
    expect(raws('{{ never closed')).toEqual([]);
    expect(raws('}} {{a}} }}')).toEqual(['a']);
    expect(replaceTags('x }} {{a}} {{b', () => 'A')).toBe('x }} A {{b');
    expect(raws('{ {a} }')).toEqual([]);
  });

  it('{{=…}} is an expression; its text is cut at the first }}, even inside a string literal', () => {
    expect(findTags("{{=asInt(inputs.parameters.n) + 1}} {{= sprig.trim(' x ') }}")).toEqual([
      { raw: '=asInt(inputs.parameters.n) + 1', kind: 'expression', text: 'asInt(inputs.parameters.n) + 1' },
      { raw: "= sprig.trim(' x ') ", kind: 'expression', text: "sprig.trim(' x ')" },
    ]);
    expect(findTags("{{='}}'}}")).toEqual([{ raw: "='", kind: 'expression', text: "'" }]);
    expect(findTags('{{=}}')).toEqual([{ raw: '=', kind: 'expression', text: '' }]);
  });

  it('a space before = makes it a simple tag (Argo checks the untrimmed text)', () => {
    expect(parseTag(' =x ')).toEqual({ raw: ' =x ', kind: 'simple', text: '=x' });
  });

  it('Jinja {{ }} with spaces is a simple tag; Jinja statements are not tags', () => {
    expect(
      findTags("{{ macros.ds_add(ds, -7) }} {% if x %}{{ params.get('a') | upper }}{% endif %}"),
    ).toEqual([
      { raw: ' macros.ds_add(ds, -7) ', kind: 'simple', text: 'macros.ds_add(ds, -7)' },
      { raw: " params.get('a') | upper ", kind: 'simple', text: "params.get('a') | upper" },
    ]);
  });
});

describe('replaceTags', () => {
  it('replaces each tag with what the callback returns; asWritten keeps a tag byte for byte', () => {
    const values: Record<string, string> = { 'workflow.parameters.d': 'gh' };
    const s =
      '`{{workflow.parameters.d}}.t_{{ yesterday_ds_nodash }}` {{=1+1}} {{  workflow.parameters.d  }}';
    expect(
      replaceTags(s, (t) => (t.kind === 'simple' ? (values[t.text] ?? asWritten(t)) : asWritten(t))),
    ).toBe('`gh.t_{{ yesterday_ds_nodash }}` {{=1+1}} gh');
    expect(replaceTags(s, asWritten)).toBe(s);
  });

  it('leaves text without tags alone and calls back once per tag, in order', () => {
    expect(replaceTags('no tags { } here', () => 'X')).toBe('no tags { } here');
    const seen: string[] = [];
    replaceTags('{{b}} {{a}} {{=c}}', (t) => {
      seen.push(t.text);
      return '';
    });
    expect(seen).toEqual(['b', 'a', 'c']);
  });

  it('a callback that throws stops the replacement (local: unresolved Argo variable)', () => {
    expect(() =>
      replaceTags('{{ok}} {{inputs.parameters.missing}}', (t) => {
        if (looksLikeArgoVariable(t.text)) throw new Error(`failed to resolve {{${t.raw}}}`);
        return asWritten(t);
      }),
    ).toThrow('failed to resolve {{inputs.parameters.missing}}');
  });
});

describe('Argo variables', () => {
  it.each([
    ['item', true],
    ['item.name', true],
    ['items', false],
    ['itemx.y', false],
    ['steps.s.outputs.result', true],
    ['inputs.parameters.x', true],
    ['outputs.parameters.x', true],
    ['pod.name', true],
    ['workflow.parameters.run-date', true],
    ['workflow', false],
    ['tasks.t.outputs.parameters.p', true],
    ['retries', false],
    ['ds_nodash', false],
    ['macros.ds_add(ds, -7)', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(looksLikeArgoVariable(text)).toBe(expected);
  });
});
