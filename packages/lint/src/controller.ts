import { parse } from 'yaml';
import { asObj, checkContainer } from './pods.js';
import type { Problem, SourceDocument } from './source.js';

/**
 * Settings that are the Argo controller's, not a workflow's (issue 15 §4): the init and wait containers Argo adds to
 * every workflow pod take their securityContext and resources from the controller ConfigMap's `executor` key
 * (v4.1.2 workflowpod.go `Config.GetExecutor().SecurityContext`, config.go `Executor`). A workflow cannot make its pods
 * Pod Security "restricted" on its own, so lint checks that key where it is linted and says so where it is not.
 */
export const CONTROLLER_CONFIGMAP = 'workflow-controller-configmap';
export const CONTROLLER_SNIPPET = 'deploy/argo-controller/workflow-controller-configmap.yaml';

const WORKFLOW_KINDS = new Set(['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow']);

const isControllerConfigMap = (value: unknown) => {
  const o = asObj(value);
  return o?.kind === 'ConfigMap' && asObj(o.metadata)?.name === CONTROLLER_CONFIGMAP;
};

/** Problems of one run's documents: the controller's executor settings, or a note on each workflow file without them. */
export function checkControllerSettings(documents: readonly SourceDocument[]): Problem[] {
  const problems: Problem[] = [];
  const controllers = documents.filter((d) => isControllerConfigMap(d.value));
  for (const d of controllers) {
    const path = ['data', 'executor'];
    const text = asObj(asObj(d.value)?.data)?.executor;
    let executor: Record<string, unknown> | undefined;
    try {
      executor = typeof text === 'string' ? asObj(parse(text, { version: '1.1' })) : undefined;
    } catch {
      executor = undefined;
    }
    if (!executor) {
      problems.push({
        file: d.file,
        line: d.lineOf(path),
        rule: 'policy/controller-security',
        message: `${CONTROLLER_CONFIGMAP} has no executor container settings (data.executor): Argo's init and wait containers run without a securityContext and Pod Security "restricted" rejects the pods`,
      });
      continue;
    }
    for (const f of checkContainer(
      { name: 'executor (init and wait containers)', ...executor },
      [],
      undefined,
    ))
      problems.push({
        file: d.file,
        line: d.lineOf(path),
        rule: 'policy/controller-security',
        message: `${CONTROLLER_CONFIGMAP} data.executor: ${f.message}`,
      });
  }
  if (controllers.length > 0) return problems;
  const noted = new Set<string>();
  for (const d of documents) {
    const o = asObj(d.value);
    if (!WORKFLOW_KINDS.has(String(o?.kind)) || noted.has(d.file)) continue;
    noted.add(d.file);
    const specPath = o?.kind === 'CronWorkflow' ? ['spec', 'workflowSpec'] : ['spec'];
    problems.push({
      file: d.file,
      line: d.lineOf(specPath),
      rule: 'policy/controller-security',
      severity: 'warning',
      message: `Pod Security "restricted" is checked for this workflow's own containers only: Argo's init and wait containers get their securityContext from the controller (${CONTROLLER_CONFIGMAP} data.executor), which is not among the linted files — apply ${CONTROLLER_SNIPPET}`,
    });
  }
  return problems;
}
