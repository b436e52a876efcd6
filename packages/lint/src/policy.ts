import { templateContext } from '@data-pipeline/airflow-templates';
import { EXIT_CLASSES } from '@data-pipeline/runner/exit-codes';
import { asArray, asObj } from './pods.js';
import type { Finding, PathStep } from './source.js';
import { findTags, jinjaNames, looksLikeArgoVariable, stringsIn } from './tags.js';

// This project's house rules on a workflow's templates (policy/...): retry only exit 75, output files in
// --outputs-dir on a mounted volume, Jinja names of Airflow 1.8.2's context. Argo itself accepts what they report.

type Obj = Record<string, unknown>;

/**
 * The only retry expressions whose meaning the rule can vouch for: equalities of the exit code with a literal, joined
 * by `||`. In Argo `lastRetry.exitCode` is a string (`"-1"` when unknown; workflow/controller/operator.go
 * buildRetryStrategyLocalScope), so it is compared with a quoted code or converted with asInt/int (expr-lang's int()).
 * `lastRetry.exitCode == 75` (string vs int) is never true in expr-lang and is rejected too.
 */
const EXIT_CODE_EQUALITY =
  /^\(?\s*(?:(?:asInt|int)\(\s*lastRetry\.exitCode\s*\)\s*==\s*\d+|\d+\s*==\s*(?:asInt|int)\(\s*lastRetry\.exitCode\s*\)|lastRetry\.exitCode\s*==\s*(?:'\d+'|"\d+")|(?:'\d+'|"\d+")\s*==\s*lastRetry\.exitCode)\s*\)?$/;

/**
 * The one other disjunct: an Error-phase node (evicted or preempted pod, a container that never started) is retried.
 * In Argo `lastRetry.status` is the last attempt's node phase (operator.go buildRetryStrategyLocalScope).
 */
const STATUS_ERROR =
  /^\(?\s*(?:lastRetry\.status\s*==\s*(?:'Error'|"Error")|(?:'Error'|"Error")\s*==\s*lastRetry\.status)\s*\)?$/;

function retryDisjuncts(expression: string): string[] {
  return expression.split('||').map((d) => d.trim());
}

/** Retry only what the exit-code table calls retryable; the expression must name documented codes only. */
export function checkRetry(retry: unknown, tPath: PathStep[]): Finding[] {
  const r = asObj(retry);
  const path = [...tPath, 'retryStrategy'];
  if (!r)
    return [
      {
        path: tPath,
        rule: 'policy/retry',
        message: 'container template has no retryStrategy (retry exit 75 only, with backoff)',
      },
    ];
  const findings: Finding[] = [];
  if (typeof r.expression !== 'string') {
    findings.push({
      path,
      rule: 'policy/retry',
      message: 'retryStrategy has no expression: without one Argo retries every failure; retry exit 75 only',
    });
    return findings;
  }
  if (!/lastRetry\.exitCode/.test(r.expression)) {
    findings.push({
      path: [...path, 'expression'],
      rule: 'policy/retry',
      message: 'retry expression must decide on lastRetry.exitCode',
    });
  } else {
    const parts = retryDisjuncts(r.expression);
    const odd = parts.find((d) => !EXIT_CODE_EQUALITY.test(d) && !STATUS_ERROR.test(d));
    if (odd !== undefined) {
      findings.push({
        path: [...path, 'expression'],
        rule: 'policy/retry',
        message:
          `retry expression part "${odd}" is not an exit-code equality: write asInt(lastRetry.exitCode) == 75 ` +
          `(or lastRetry.exitCode == '75'), joined by ||; lastRetry.exitCode is a string, and ranges or negations ` +
          'retry codes the exit-code table does not mark retryable',
      });
    } else if (!parts.some((d) => STATUS_ERROR.test(d)) || r.retryPolicy !== 'Always') {
      // OnFailure (the default) never retries an Error-phase node (operator.go processNodeRetries), although every
      // writer here is idempotent: Always lets the expression decide for both phases.
      findings.push({
        path: [...path, r.retryPolicy !== 'Always' ? 'retryPolicy' : 'expression'],
        rule: 'policy/retry',
        message:
          "retryStrategy does not retry Error-phase nodes (evicted or preempted pods): set retryPolicy: Always and expression: lastRetry.status == 'Error' || asInt(lastRetry.exitCode) == 75",
      });
    }
  }
  const codes = [...r.expression.matchAll(/(?<![\w.])['"]?(\d+)['"]?(?![\w.])/g)].map((m) => Number(m[1]));
  for (const code of codes) {
    const cls = EXIT_CLASSES.find((c) => c.code === code);
    if (!cls) {
      findings.push({
        path: [...path, 'expression'],
        rule: 'policy/retry',
        message: `retry expression names exit code ${code}, which is not in the exit-code table (${EXIT_CLASSES.map((c) => c.code).join(', ')})`,
      });
    } else if (!cls.retry) {
      findings.push({
        path: [...path, 'expression'],
        rule: 'policy/retry',
        message: `retry expression names exit code ${code} (${cls.name}), which the exit-code table marks as not retryable`,
      });
    }
  }
  if (r.backoff === undefined)
    findings.push({ path, rule: 'policy/retry', message: 'retryStrategy has no backoff' });
  return findings;
}

/**
 * Output parameters are files the runner writes into `--outputs-dir`: every `valueFrom.path` must lie in that
 * directory, and with a read-only root filesystem the directory must be a mounted volume.
 */
export function checkOutputsDir(tmpl: Obj, container: Obj, tPath: PathStep[], field: string): Finding[] {
  const args = asArray(container.args).filter((a): a is string => typeof a === 'string');
  const i = args.findIndex((a) => a === '--outputs-dir' || a.startsWith('--outputs-dir='));
  if (i < 0) return [];
  const dir =
    (args[i]?.startsWith('--outputs-dir=') ? args[i]?.slice('--outputs-dir='.length) : args[i + 1]) ?? '';
  const findings: Finding[] = [];
  const argPath = [...tPath, field, 'args', i];
  const mounted = asArray(container.volumeMounts).some((m) => {
    const mountPath = asObj(m)?.mountPath;
    return (
      typeof mountPath === 'string' &&
      (dir === mountPath || dir.startsWith(`${mountPath.replace(/\/$/, '')}/`))
    );
  });
  if (!mounted)
    findings.push({
      path: argPath,
      rule: 'policy/outputs-dir',
      message: `--outputs-dir ${dir} is not on a mounted volume (the root filesystem is read-only)`,
    });
  asArray(asObj(tmpl.outputs)?.parameters).forEach((p, j) => {
    const path = asObj(asObj(p)?.valueFrom)?.path;
    if (typeof path === 'string' && !path.startsWith(`${dir.replace(/\/$/, '')}/`)) {
      findings.push({
        path: [...tPath, 'outputs', 'parameters', j, 'valueFrom', 'path'],
        rule: 'policy/outputs-dir',
        message: `output parameter file ${path} is not in --outputs-dir ${dir}`,
      });
    }
  });
  return findings;
}

/** The names Airflow 1.8.2 puts in a task's template context (from @data-pipeline/airflow-templates). */
const AIRFLOW_CONTEXT_NAMES: ReadonlySet<string> = new Set(
  Object.keys(templateContext(new Date(Date.UTC(2020, 0, 1)), { dagId: 'lint', taskId: 'lint' })),
);

/**
 * Jinja in an operator container (the Airflow template fields) may only read names of Airflow 1.8.2's template
 * context: Jinja renders an unknown name as an empty string, so `{{ yesterday_ds_nodsh }}` would silently query the
 * wrong table.
 */
export function checkJinja(container: Obj, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  for (const [s, p] of stringsIn(container, path)) {
    for (const tag of findTags(s)) {
      if (tag.kind !== 'simple' || looksLikeArgoVariable(tag.text) || tag.text === 'retries') continue;
      for (const name of jinjaNames(tag.text)) {
        if (!AIRFLOW_CONTEXT_NAMES.has(name)) {
          findings.push({
            path: p,
            rule: 'policy/jinja-name',
            message: `Jinja name "${name}" in {{${tag.raw}}} is not in Airflow 1.8.2's template context (it would render as an empty string)`,
          });
        }
      }
    }
  }
  return findings;
}

/** Values that stand for "fill me in": they pass Argo's required-parameter check and fail at run time instead. */
const PLACEHOLDER =
  /\b(?:CHANGE[-_ ]?ME|REPLACE[-_ ]?ME|FILL[-_ ]?ME[-_ ]?IN|TO[-_ ]?DO|YOUR[-_][A-Z_-]+|MY[-_]PROJECT|XXX+)\b|^<[^<>]+>$/i;

/**
 * A parameter's `value` or `default` (workflow arguments, template inputs, task/step arguments, a CronWorkflow's
 * arguments) that is a placeholder such as `CHANGE-ME`: Argo treats it as set, so a forgotten edit runs every night and
 * fails inside BigQuery instead of being refused at submit. Leave the value out (Argo then requires it) or read it
 * from a ConfigMap (`valueFrom.configMapKeyRef`).
 */
export function checkPlaceholders(value: unknown, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  for (const [s, p] of stringsIn(value, path)) {
    const key = p.at(-1);
    if ((key !== 'value' && key !== 'default') || p.at(-3) !== 'parameters') continue;
    const m = PLACEHOLDER.exec(s.trim());
    if (!m) continue;
    const param = asObj(getAt(value, p.slice(path.length, -1)))?.name;
    findings.push({
      path: p,
      rule: 'policy/placeholder',
      message: `parameter "${String(param)}" ${key} "${s}" is a placeholder: Argo counts it as set and the run fails later; leave the ${key} out so the parameter is required, or read it from a ConfigMap (valueFrom.configMapKeyRef)`,
    });
  }
  return findings;
}

function getAt(value: unknown, path: PathStep[]): unknown {
  let v = value;
  for (const step of path) v = Array.isArray(v) ? v[step as number] : asObj(v)?.[step as string];
  return v;
}
