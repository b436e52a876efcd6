import { describe, expect, it } from 'vitest';
import { classifyAirflowBigQueryLog, classifyBigQueryReason } from '../src/index.js';

describe('classifyAirflowBigQueryLog', () => {
  it('reads the errorResult reason 1.8.2 logs', () => {
    const line =
      "Subtask: Exception: BigQuery job failed. Final error was: {'reason': 'invalidQuery', 'location': 'query', 'message': 'Syntax error'}. The job was: {...}";
    expect(classifyAirflowBigQueryLog(['a', line])).toBe('invalid-input');
    expect(
      classifyAirflowBigQueryLog([
        "Exception: BigQuery job failed. Final error was: {u'reason': u'backendError', u'message': u'x'}",
      ]),
    ).toBe('transient');
    expect(classifyAirflowBigQueryLog(['nothing here'])).toBeUndefined();
  });
});

describe('classifyBigQueryReason', () => {
  it.each([
    ['backendError', '', 'transient'],
    ['rateLimitExceeded', '', 'transient'],
    ['accessDenied', '', 'permission-denied'],
    ['invalidQuery', '', 'invalid-input'],
    ['notFound', 'Not found: Table p:ds.t', 'invalid-input'],
    ['notFound', 'Not found: Project p', 'configuration'],
    ['stopped', '', 'task-failed'],
    ['somethingNew', '', 'task-failed'],
  ])('%s %j → %s', (reason, message, cls) => {
    expect(classifyBigQueryReason(reason, message)).toBe(cls);
  });
});
