import { isoformat, type Naive, ymd } from './naive-date.js';

const DAY = 86_400_000;

/** The template context variables of 1.8.2 that are plain strings (reference §6). */
export function templateContext(executionDate: Naive, dagId: string, taskId: string): Record<string, string> {
  const ds = ymd(executionDate);
  const nodash = (s: string) => s.replace(/-/g, '');
  const ts = isoformat(executionDate);
  return {
    ds,
    ds_nodash: nodash(ds),
    ts,
    ts_nodash: ts.replace(/[-:]/g, ''),
    yesterday_ds: ymd(executionDate - DAY),
    yesterday_ds_nodash: nodash(ymd(executionDate - DAY)),
    tomorrow_ds: ymd(executionDate + DAY),
    tomorrow_ds_nodash: nodash(ymd(executionDate + DAY)),
    END_DATE: ds,
    end_date: ds,
    latest_date: ds,
    run_id: `backfill_${ts}`,
    task_instance_key_str: `${dagId}__${taskId}__${nodash(ds)}`,
    execution_date: isoformat(executionDate).replace('T', ' '),
  };
}

function dsAdd(ds: string, days: number): string {
  const t = Date.parse(`${ds}T00:00:00Z`);
  return Number.isNaN(t) ? ds : new Date(t + days * DAY).toISOString().slice(0, 10);
}

/**
 * A small Jinja subset, enough for the templates BigQuery pipelines use: `{{ name }}` of the context above
 * (an unknown plain name renders as '' like Jinja's default Undefined), `{{ macros.ds_add(ds, N) }}` and
 * `{{ params.x }}`. Anything else inside `{{ }}` is left as written.
 */
export function renderTemplate(
  text: string,
  ctx: Record<string, string>,
  params: Record<string, unknown>,
): string {
  return text.replace(/\{\{\s*(.*?)\s*\}\}/gs, (whole, expr: string) => {
    if (/^[A-Za-z_]\w*$/.test(expr)) return ctx[expr] ?? '';
    const add = /^macros\.ds_add\(\s*(\w+|'[^']*'|"[^"]*")\s*,\s*(-?\d+)\s*\)$/.exec(expr);
    if (add) {
      const arg = add[1]!;
      const base = /^['"]/.test(arg) ? arg.slice(1, -1) : (ctx[arg] ?? '');
      return dsAdd(base, Number(add[2]));
    }
    const param = /^params\.(\w+)$/.exec(expr);
    if (param) {
      const v = params[param[1]!];
      return v === undefined || v === null ? '' : String(v);
    }
    return whole;
  });
}
