import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderTemplate, TemplateRenderError, templateContext } from '../src/index.js';
import {
  BOUNDARY_DATES,
  EDGE_TEMPLATES,
  EXAMPLE_SQL_COUNT,
  EXAMPLE_TEMPLATES,
  UNSUPPORTED_TEMPLATES,
} from './fixtures/example-templates.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/jinja_render.py', import.meta.url));
const DAG = 'bigquery_github_trends_v1';
const TASK = 'bq_write_to_github_agg';
const PARAMS = { project: 'my-proj', dataset: 'github_trends' };

/**
 * The Debian python3-jinja2 (and python3-dateutil, for `macros.dateutil`) install for /usr/bin/python3, not for a
 * pyenv `python3` earlier on PATH.
 */
function findJinjaPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3', 'python']) {
    const r = spawnSync(candidate, ['-c', 'import jinja2, dateutil.relativedelta'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

interface Case {
  id: string;
  template: string;
  date: string;
  dagId: string;
  taskId: string;
  params: Record<string, unknown>;
}
type PyResult =
  | { ok: true; out: string }
  | {
      ok: false;
      error: 'undefined' | 'syntax' | 'value' | 'type' | 'key' | 'arithmetic' | 'index';
      message: string;
    };

const python = findJinjaPython();
if (!python) {
  console.warn(
    'SKIP differential Jinja test: no Python interpreter with jinja2 and dateutil (apt-get install python3-jinja2 python3-dateutil)',
  );
}

describe.skipIf(!python)('renderTemplate equals real Jinja2 with Airflow 1.8.2 context', () => {
  const all = { ...EXAMPLE_TEMPLATES, ...EDGE_TEMPLATES };
  const cases: Case[] = BOUNDARY_DATES.flatMap((date) =>
    Object.entries(all).map(([id, template]) => ({
      id,
      template,
      date,
      dagId: DAG,
      taskId: TASK,
      params: PARAMS,
    })),
  );
  const stdout = execFileSync(python as string, [SCRIPT], {
    input: JSON.stringify({ cases }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  const results = (JSON.parse(stdout) as { results: PyResult[] }).results;

  it('ran every case', () => {
    expect(results).toHaveLength(cases.length);
    expect(cases.length).toBeGreaterThan(400);
  });

  it.each(cases.map((c, i) => [`${c.id} @ ${c.date}`, i] as const))('%s', (_name, i) => {
    const c = cases[i] as Case;
    const expected = results[i] as PyResult;
    const ctx = templateContext(new Date(`${c.date}T00:00:00Z`), {
      dagId: c.dagId,
      taskId: c.taskId,
      params: c.params,
    });
    if (UNSUPPORTED_TEMPLATES.has(c.id)) {
      // Jinja2 renders it; the native engine must refuse it loudly rather than print something else.
      expect(expected.ok, 'a template listed as unsupported must be valid Jinja').toBe(true);
      expect(() => renderTemplate(c.template, ctx)).toThrow(
        expect.objectContaining({ kind: 'unsupported' }) as unknown as Error,
      );
    } else if (expected.ok) {
      expect(renderTemplate(c.template, ctx)).toBe(expected.out);
    } else {
      let thrown: unknown;
      try {
        renderTemplate(c.template, ctx);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, `Jinja2 raised ${expected.error}: ${expected.message}`).toBeInstanceOf(
        TemplateRenderError,
      );
      expect((thrown as TemplateRenderError).kind).toBe(expected.error);
      expect((thrown as Error).message).not.toContain('\n');
    }
  });

  it('covers the SQL of all seven tasks of the example workflow and its four destinations', () => {
    expect(EXAMPLE_SQL_COUNT).toBe(7);
    expect(Object.keys(EXAMPLE_TEMPLATES).filter((id) => id.endsWith('.sql'))).toHaveLength(7);
    expect(Object.keys(EXAMPLE_TEMPLATES).filter((id) => id.endsWith('.destination'))).toHaveLength(4);
  });

  it('the example pipeline templates render without errors in Jinja2 too', () => {
    for (const [i, c] of cases.entries()) {
      if (c.id in EXAMPLE_TEMPLATES) expect(results[i]?.ok, c.id).toBe(true);
    }
  });
});
