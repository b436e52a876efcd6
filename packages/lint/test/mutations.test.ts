import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatProblem, lintTexts, type Problem } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/**
 * Issue 15 §2: realistic mistakes, each applied to a copy of a file, must each be reported as
 * `file:line: error [rule] message` at the line of the mistake. Our own YAML is linted together (the cross-file
 * checks need the whole set); Argo's examples one by one.
 */
interface Mutation {
  readonly name: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly rule: string;
  /** The reported line holds this text (default: the mutated text). */
  readonly at?: string;
  readonly message?: RegExp;
}

const OWN: readonly Mutation[] = [
  {
    name: 'expression syntax error',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: "asInt(workflow.creationTimestamp.s), 'UTC')",
    to: "asInt(workflow.creationTimestamp.s) 'UTC')",
    rule: 'validity/expression',
    message: /syntax error/,
  },
  {
    name: 'misspelt expression function',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: 'sprig.dateInZone(',
    to: 'sprig.dateInZon(',
    rule: 'validity/expression',
    message: /unknown function sprig\.dateInZon\(\) \(did you mean sprig\.dateInZone\?\)/,
  },
  {
    name: 'CronJob hour 25',
    file: 'cronjobs/bigquery_hn_github_trends_cron.yaml',
    from: 'schedule: "30 23 * * *"',
    to: 'schedule: "30 25 * * *"',
    rule: 'validity/value',
    message: /hour "25": 25 is out of range 0-23/,
  },
  {
    name: 'bad CronJob timeZone',
    file: 'cronjobs/bigquery_hn_github_trends_cron.yaml',
    from: 'timeZone: Etc/UTC',
    to: 'timeZone: Europe/Berlim',
    rule: 'validity/value',
    message: /unknown time zone "Europe\/Berlim"/,
  },
  {
    name: 'CronWorkflow minute 61',
    file: 'deploy/cronworkflow/bigquery-step-cronworkflow.yaml',
    from: '- "30 23 * * *"',
    to: '- "61 23 * * *"',
    rule: 'validity/value',
    message: /minute "61": 61 is out of range 0-59/,
  },
  {
    name: '--wiat in the submitter argv',
    file: 'cronjobs/bigquery_hn_github_trends_cron.yaml',
    from: '- --wait',
    to: '- --wiat',
    rule: 'validity/argo-cli',
    message: /unknown flag --wiat \(did you mean --wait\?\)/,
  },
  {
    name: 'ServiceAccount that matches nothing',
    file: 'cronjobs/bigquery_hn_github_trends_cron.yaml',
    from: 'serviceAccountName: data-pipeline-submitter',
    to: 'serviceAccountName: data-pipeline-submiter',
    rule: 'policy/cluster-reference',
    message: /ServiceAccount "data-pipeline-submiter" is not defined/,
  },
  {
    name: 'a placeholder project that passes the required-parameter check',
    file: 'deploy/cronworkflow/bigquery-step-cronworkflow.yaml',
    from: 'valueFrom:\n            configMapKeyRef:\n              name: data-pipeline-project\n              key: gcp-project',
    to: 'value: CHANGE-ME',
    rule: 'policy/placeholder',
    message: /parameter "gcp-project" value "CHANGE-ME" is a placeholder/,
  },
  {
    name: 'parameter file key typo',
    file: 'cronjobs/parameters-configmap.yaml',
    from: '    dataset: github_trends',
    to: '    datset: github_trends',
    rule: 'policy/parameter-file',
    message: /parameter "datset"/,
  },
  {
    name: 'target default naming no task',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: '- name: target\n        value: ""',
    to: '- name: target\n        value: "write-hn-agg wrte-github-agg"',
    rule: 'validity/reference',
    at: 'target: "{{workflow.parameters.target}}"',
    message: /target "wrte-github-agg" \(default of workflow parameter "target"\) is not a task/,
  },
  {
    name: 'withSequence count "four"',
    file: 'workflows/bigquery_step_init_workflow.yaml',
    from: 'count: "{{workflow.parameters.parallelism}}"',
    to: 'count: "four"',
    rule: 'validity/value',
    message: /withSequence\.count: "four" is not an integer/,
  },
  {
    name: 'retry limit: lots',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: 'limit: "3"',
    to: 'limit: lots',
    rule: 'validity/value',
    message: /retryStrategy\.limit: "lots" is not an integer/,
  },
  {
    name: 'backoff duration 1x',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: 'duration: 30s',
    to: 'duration: 1x',
    rule: 'validity/value',
    message: /backoff\.duration: "1x" is not a duration/,
  },
  {
    name: 'unknown template',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: 'template: write-hn-agg',
    to: 'template: write-hn-ag',
    rule: 'validity/reference',
  },
  {
    name: 'unknown dependency',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: 'dependencies: [write-github-agg]',
    to: 'dependencies: [write-gthub-agg]',
    rule: 'validity/reference',
  },
  {
    name: 'unknown input variable',
    file: 'workflows/bigquery_step_workflow.yaml',
    from: 'value: "{{inputs.parameters.execution-date}}"',
    to: 'value: "{{inputs.parameters.execution-dat}}"',
    rule: 'validity/unknown-variable',
  },
];

const UPSTREAM: readonly Mutation[] = [
  {
    name: 'backoff duration "1x"',
    file: 'retry-backoff.yaml',
    from: 'duration: "1"',
    to: 'duration: "1x"',
    rule: 'validity/value',
  },
  {
    name: 'timezone America/LosAngeles',
    file: 'cron-workflow.yaml',
    from: 'timezone: "America/Los_Angeles"',
    to: 'timezone: "America/LosAngeles"',
    rule: 'validity/value',
  },
  {
    name: '{{item.imag}} on map items',
    file: 'loops-maps.yaml',
    from: '{{item.image}}',
    to: '{{item.imag}}',
    rule: 'validity/unknown-variable',
    message: /the withItems maps have no key "imag"/,
  },
];

const OWN_FILES = [
  'workflows/bigquery_step_workflow.yaml',
  'workflows/bigquery_step_init_workflow.yaml',
  'cronjobs/bigquery_hn_github_trends_cron.yaml',
  'cronjobs/bigquery-step-workflow-configmap.yaml',
  'cronjobs/parameters-configmap.yaml',
  'cronjobs/submitter-rbac.yaml',
  'deploy/workflow-rbac.yaml',
  'deploy/namespace.yaml',
  'deploy/argo-controller/workflow-controller-configmap.yaml',
  'deploy/cronworkflow/bigquery-step-cronworkflow.yaml',
  'deploy/cronworkflow/bigquery-step-workflowtemplate.yaml',
];

const CANDIDATES = [
  process.env.DP_ARGO_EXAMPLES,
  join(repoRoot, '..', 'shared', 'argo-examples', 'examples'),
  join(repoRoot, '..', '..', 'shared', 'argo-examples', 'examples'),
].filter((p): p is string => p !== undefined);
const corpus = CANDIDATES.find((p) => existsSync(join(p, 'hello-world.yaml')));
if (!corpus) console.warn(`skipped: Argo examples corpus not found (tried ${CANDIDATES.join(', ')})`);

/** Applies `m` to `text` (first occurrence) and returns the new text and the line the finding must be on. */
function mutate(text: string, m: Mutation): { text: string; line: number } {
  const index = text.indexOf(m.from);
  if (index < 0) throw new Error(`mutation "${m.name}": "${m.from}" not found in ${m.file}`);
  const mutated = text.slice(0, index) + m.to + text.slice(index + m.from.length);
  const at = m.at === undefined ? index + m.to.split('\n')[0]!.length - 1 : mutated.indexOf(m.at);
  const lineOfIndex = (i: number) => mutated.slice(0, i).split('\n').length;
  // a multi-line mutation is reported at the line where the changed value sits
  const line = m.at === undefined ? lineOfIndex(index + m.to.lastIndexOf('\n') + 1) : lineOfIndex(at);
  return { text: mutated, line };
}

function expectCaught(problems: Problem[], m: Mutation, file: string, line: number): void {
  const hit = problems.find((p) => p.file === file && p.rule === m.rule && p.line === line);
  expect(
    hit,
    `${m.name}: no [${m.rule}] at ${file}:${line}; got\n${problems.map(formatProblem).join('\n')}`,
  ).toBeDefined();
  const printed = formatProblem(hit!);
  expect(printed).toMatch(
    new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: error \\[${m.rule}\\] `),
  );
  if (m.message) expect(printed).toMatch(m.message);
}

describe.concurrent('mutations of our own YAML', () => {
  const originals = new Map(
    OWN_FILES.map((f) => [join(repoRoot, f), readFileSync(join(repoRoot, f), 'utf8')]),
  );

  it('the unmutated set lints clean', () => {
    expect(lintTexts(originals, { cwd: repoRoot, repoRoot }).map(formatProblem)).toEqual([]);
  });

  for (const m of OWN) {
    it(`catches: ${m.name}`, () => {
      const abs = join(repoRoot, m.file);
      const { text, line } = mutate(originals.get(abs)!, m);
      const problems = lintTexts(new Map([...originals, [abs, text]]), { cwd: repoRoot, repoRoot });
      expectCaught(problems, m, m.file, line);
    });
  }

  it('dp lint prints a caught mutation as one line on stdout and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-lint-mut-'));
    try {
      const m = OWN.find((x) => x.rule === 'validity/argo-cli')!;
      const cron = readFileSync(join(repoRoot, m.file), 'utf8');
      writeFileSync(join(dir, 'cron.yaml'), mutate(cron, m).text);
      const run = promisify(execFile);
      const err = await run(
        'node',
        [join(repoRoot, 'packages', 'cli', 'bin', 'dp.js'), 'lint', 'cron.yaml'],
        {
          cwd: dir,
        },
      ).catch((e: { code: number; stdout: string }) => e);
      expect('code' in err ? err.code : 0).toBe(1);
      expect(err.stdout).toMatch(
        /^cron\.yaml:\d+: error \[validity\/argo-cli\] argo submit: unknown flag --wiat/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.concurrent.skipIf(!corpus)('mutations of Argo v4.1.2 examples', () => {
  for (const m of UPSTREAM) {
    it(`catches: ${m.name}`, () => {
      const abs = join(corpus as string, m.file);
      const original = readFileSync(abs, 'utf8');
      expect(lintTexts(new Map([[abs, original]]), { cwd: corpus as string })).toEqual([]);
      const { text, line } = mutate(original, m);
      const problems = lintTexts(new Map([[abs, text]]), { cwd: corpus as string });
      expectCaught(problems, m, m.file, line);
    });
  }
});
