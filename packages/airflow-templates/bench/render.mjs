// `npm run bench`: renderTemplate (Jinja semantics on top of nunjucks) vs plain nunjucks on the same template,
// measured in the same run. Target: ratio ≤ 1.5× (the Undefined/None wrapping must stay cheap).
import { fileURLToPath } from 'node:url';
import { loadExampleTemplates } from '@data-pipeline/example-pipeline';
import nunjucks from 'nunjucks';
import { reportTarget } from '../../../scripts/bench-result.mjs';
import { renderTemplate, templateContext } from '../dist/index.js';

// The example pipeline's 28-day rollup (bq_write_to_github_agg) as the workflow YAML runs it.
const SQL = loadExampleTemplates(fileURLToPath(new URL('../../..', import.meta.url)), {
  workflowParameters: { 'gcp-project': 'p' },
}).find((t) => t.task === 'bq_write_to_github_agg').sql;
const ctx = templateContext(new Date('2026-11-23T00:00:00Z'), { dagId: 'd', taskId: 't' });
const env = new nunjucks.Environment(null, { autoescape: false });
const N = 5000;

function time(fn) {
  for (let i = 0; i < 300; i++) fn(); // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const base = time(() => env.renderString(SQL, ctx));
const ours = time(() => renderTemplate(SQL, ctx));
const ratio = ours / base;
reportTarget('airflow-templates', 'renderTemplate / nunjucks', ratio, '<=', 1.5);
console.log(
  `airflow-templates: ${N} renders — nunjucks ${base.toFixed(0)} ms, renderTemplate ${ours.toFixed(0)} ms, ratio ${ratio.toFixed(2)}× (target ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'OVER'}`,
);
