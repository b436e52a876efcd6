import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, parseDocument } from 'yaml';

/** A file derived from a checked-in source; `dp lint` fails when the checked-in copy differs. */
export interface GeneratedFile {
  /** Repo-relative path of the generated file. */
  readonly path: string;
  /** Repo-relative path of the file it is generated from. */
  readonly source: string;
  readonly content: string;
}

export const DAILY_WORKFLOW = 'workflows/bigquery_step_workflow.yaml';
export const WORKFLOW_CONFIGMAP = 'cronjobs/bigquery-step-workflow-configmap.yaml';
export const WORKFLOW_CONFIGMAP_NAME = 'bigquery-step-workflow-yaml';
export const WORKFLOW_TEMPLATE = 'deploy/cronworkflow/bigquery-step-workflowtemplate.yaml';
export const WORKFLOW_TEMPLATE_NAME = 'bigquery-step-workflow';

const banner = (source: string) =>
  `# GENERATED from ${source} by \`dp lint --update-generated\` (npm run generate -w packages/lint).\n` +
  '# Do not edit: `dp lint` (and so `npm test`) fails when this file is stale.\n';

/** The ConfigMap the CronJob mounts: the daily workflow file, byte for byte, under its own file name. */
export function workflowConfigMap(workflowText: string): string {
  const doc = new Document({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: WORKFLOW_CONFIGMAP_NAME, labels: { 'app.kubernetes.io/part-of': 'data-pipeline' } },
    data: { 'bigquery_step_workflow.yaml': workflowText },
  });
  return banner(DAILY_WORKFLOW) + doc.toString({ blockQuote: 'literal', lineWidth: 0 });
}

/** The daily workflow as a WorkflowTemplate, for the CronWorkflow alternative (deploy/cronworkflow/). */
export function workflowTemplate(workflowText: string): string {
  const doc = parseDocument(workflowText);
  if (doc.errors.length > 0) throw new Error(`${DAILY_WORKFLOW}: ${doc.errors[0]?.message ?? 'YAML error'}`);
  // The workflow's own header talks about `argo submit`; this file is used through the CronWorkflow instead.
  doc.commentBefore = null;
  const first = (doc.contents as { items?: Array<{ key?: { commentBefore?: string | null } }> } | null)
    ?.items?.[0];
  if (first?.key) first.key.commentBefore = null;
  doc.set('kind', 'WorkflowTemplate');
  doc.deleteIn(['metadata', 'generateName']);
  const metadata = doc.get('metadata', true) as { items: unknown[] } | undefined;
  doc.setIn(['metadata', 'name'], WORKFLOW_TEMPLATE_NAME);
  // keep `name` first in metadata for readability
  if (metadata && Array.isArray(metadata.items)) {
    const last = metadata.items.pop();
    if (last !== undefined) metadata.items.unshift(last);
  }
  return (
    banner(DAILY_WORKFLOW) +
    '# The daily workflow as a WorkflowTemplate, run by the CronWorkflow next to this file (see workflows/README.md).\n' +
    doc.toString({ lineWidth: 0, flowCollectionPadding: false })
  );
}

/** Everything generated, computed from the files under `repoRoot`. */
export function generatedFiles(repoRoot: string): GeneratedFile[] {
  const workflow = readFileSync(join(repoRoot, DAILY_WORKFLOW), 'utf8');
  return [
    { path: WORKFLOW_CONFIGMAP, source: DAILY_WORKFLOW, content: workflowConfigMap(workflow) },
    { path: WORKFLOW_TEMPLATE, source: DAILY_WORKFLOW, content: workflowTemplate(workflow) },
  ];
}
