import {
  checkRetry,
  dependsNames,
  expressionRefs,
  findCycle,
  findTags,
  jinjaNames,
  substituteSimpleTags,
} from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';

describe('tags as Argo sees them', () => {
  it('finds simple and expression tags, keeping the raw text', () => {
    expect(findTags('x {{ yesterday_ds }} {{=asInt(item) + 1}} {{inputs.parameters.a}}')).toEqual([
      { raw: ' yesterday_ds ', kind: 'simple', text: 'yesterday_ds' },
      { raw: '=asInt(item) + 1', kind: 'expression', text: 'asInt(item) + 1' },
      { raw: 'inputs.parameters.a', kind: 'simple', text: 'inputs.parameters.a' },
    ]);
  });

  it('substitutes known simple tags and writes every other tag back byte for byte', () => {
    const decorator = '$'; // BigQuery partition decorator right before a Jinja tag
    const s = `\`{{workflow.parameters.dataset}}.t${decorator}{{ yesterday_ds_nodash }}\` {{ macros.ds_add(ds, -7) }} {{=1+1}}`;
    expect(substituteSimpleTags(s, { 'workflow.parameters.dataset': 'gh' })).toBe(
      `\`gh.t${decorator}{{ yesterday_ds_nodash }}\` {{ macros.ds_add(ds, -7) }} {{=1+1}}`,
    );
    expect(
      substituteSimpleTags('{{ workflow.parameters.dataset }}', { 'workflow.parameters.dataset': 'gh' }),
    ).toBe('gh');
  });

  it("reads the variables of an expression, including the ['hyphen-name'] form", () => {
    expect(
      expressionRefs(
        "workflow.parameters['run-date'] != '' ? inputs.parameters.index : tasks['write-a'].outputs.parameters.x + item",
      ),
    ).toEqual([
      { root: 'workflow.parameters', name: 'run-date' },
      { root: 'inputs.parameters', name: 'index' },
      { root: 'tasks', name: 'write-a', rest: 'outputs.parameters.x' },
      { root: 'item', name: 'item' },
    ]);
  });
});

describe('Jinja names', () => {
  it('reads the top-level names, not attributes, literals, keywords or filters', () => {
    expect(jinjaNames('macros.ds_add(ds, -7)')).toEqual(['macros', 'ds']);
    expect(jinjaNames("ds if params.x else 'yesterday_ds' | upper")).toEqual(['ds', 'params']);
  });
});

describe('DAG helpers', () => {
  it('reads task names from depends expressions', () => {
    expect(dependsNames('(a.Succeeded || b) && !c.Failed')).toEqual(['a', 'b', 'c']);
  });

  it('finds cycles and accepts DAGs', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', []],
          ['b', ['a']],
          ['c', ['a', 'b']],
        ]),
      ),
    ).toBeUndefined();
  });
});

describe('retry rule', () => {
  it('accepts retrying exit 75 and Error-phase nodes only, in either form Argo documents', () => {
    for (const expression of [
      "lastRetry.status == 'Error' || asInt(lastRetry.exitCode) == 75",
      `lastRetry.exitCode == '75' || lastRetry.status == "Error"`,
    ]) {
      expect(checkRetry({ retryPolicy: 'Always', expression, backoff: { duration: '1s' } }, ['t'])).toEqual(
        [],
      );
    }
  });

  it('asks for Error-phase nodes to be retried too: OnFailure never retries an evicted pod', () => {
    const message = /does not retry Error-phase nodes \(evicted or preempted pods\): set retryPolicy: Always/;
    const onFailure = checkRetry(
      {
        retryPolicy: 'OnFailure',
        expression: "lastRetry.status == 'Error' || asInt(lastRetry.exitCode) == 75",
        backoff: {},
      },
      ['t'],
    );
    expect(onFailure.map((f) => [f.path.join('.'), f.message])).toEqual([
      ['t.retryStrategy.retryPolicy', expect.stringMatching(message)],
    ]);
    const noStatus = checkRetry(
      { retryPolicy: 'Always', expression: 'asInt(lastRetry.exitCode) == 75', backoff: {} },
      ['t'],
    );
    expect(noStatus.map((f) => [f.path.join('.'), f.message])).toEqual([
      ['t.retryStrategy.expression', expect.stringMatching(message)],
    ]);
  });

  it('rejects expressions whose meaning is not "exactly these codes"', () => {
    for (const expression of [
      'asInt(lastRetry.exitCode) >= 75', // also retries 77 and 78
      'asInt(lastRetry.exitCode) != 64', // retries everything else
      'lastRetry.exitCode == 75', // a string never equals an int in expr-lang: silently never retries
      "lastRetry.exitCode == '75' || lastRetry.status != 'Succeeded'",
    ]) {
      const messages = checkRetry({ expression, backoff: { duration: '1s' } }, ['t']).map((f) => f.message);
      expect(messages.join('\n'), expression).toMatch(/is not an exit-code equality/);
    }
  });
});
