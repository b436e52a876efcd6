/**
 * Reads an Argo Workflow YAML file and checks every field against what `dp run` implements.
 * Fields fall in three groups: interpreted, accepted without local effect (pod scheduling and security settings such as
 * `securityContext`, `resources`, `serviceAccountName`), and unsupported → `SpecError` naming the field, its YAML path and line.
 */

import { readYamlStream, toYamlValue } from '@data-pipeline/argo-tags';
import { type Document, isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';

export class SpecError extends Error {
  override readonly name = 'SpecError';
}

export interface Parameter {
  name: string;
  value?: string;
  default?: string;
  enum?: string[];
  description?: string;
  valueFrom?: { path?: string; default?: string; parameter?: string };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  workingDir?: string;
}

export interface Volume {
  name: string;
  secret?: {
    secretName: string;
    defaultMode?: number;
    items?: { key: string; path: string; mode?: number }[];
    optional?: boolean;
  };
  emptyDir?: { medium?: string; sizeLimit?: string };
  configMap?: {
    name: string;
    items?: { key: string; path: string; mode?: number }[];
    defaultMode?: number;
    optional?: boolean;
  };
}

export interface RetryStrategy {
  limit?: string | number;
  retryPolicy?: string;
  expression?: string;
  backoff?: {
    duration?: string | number;
    factor?: string | number;
    maxDuration?: string | number;
    cap?: string | number;
  };
}

export interface Sequence {
  count?: string | number;
  start?: string | number;
  end?: string | number;
  format?: string;
}

export interface Invocation {
  name: string;
  template: string;
  arguments?: { parameters?: Parameter[] };
  when?: string;
  withItems?: unknown[];
  withParam?: string;
  withSequence?: Sequence;
  continueOn?: { failed?: boolean; error?: boolean };
}

export interface DagTask extends Invocation {
  dependencies?: string[];
  depends?: string;
}

export interface Template {
  name: string;
  inputs?: { parameters?: Parameter[] };
  outputs?: { parameters?: Parameter[] };
  container?: Container;
  dag?: { tasks: DagTask[]; target?: string; failFast?: boolean };
  steps?: Invocation[][];
  retryStrategy?: RetryStrategy;
  parallelism?: number | string;
  activeDeadlineSeconds?: number | string;
  volumes?: Volume[];
}

export interface Workflow {
  /** Path of the YAML file, for messages. */
  file: string;
  name: string;
  spec: {
    entrypoint?: string;
    arguments?: { parameters?: Parameter[] };
    templates: Template[];
    parallelism?: number;
    activeDeadlineSeconds?: number | string;
    volumes?: Volume[];
  };
  /** ConfigMaps found as other documents of the same file (name → key → value). */
  configMaps: Map<string, Record<string, string>>;
}

// ---- field tables -------------------------------------------------------------------------------------------------------

type Desc =
  | 'scalar'
  | 'string'
  | 'ignored'
  | 'any'
  | { readonly obj: Readonly<Record<string, Desc>> }
  | { readonly list: Desc }
  | { readonly map: Desc };

const obj = (fields: Record<string, Desc>): Desc => ({ obj: fields });
const list = (of: Desc): Desc => ({ list: of });

const PARAM = obj({
  name: 'string',
  value: 'scalar',
  default: 'scalar',
  enum: list('scalar'),
  description: 'string',
  valueFrom: obj({ path: 'string', default: 'scalar', parameter: 'string' }),
});
const KEY_ITEMS = list(obj({ key: 'string', path: 'string', mode: 'scalar' }));
const VOLUME = obj({
  name: 'string',
  secret: obj({ secretName: 'string', defaultMode: 'scalar', items: KEY_ITEMS, optional: 'scalar' }),
  emptyDir: obj({ medium: 'string', sizeLimit: 'scalar' }),
  configMap: obj({ name: 'string', items: KEY_ITEMS, defaultMode: 'scalar', optional: 'scalar' }),
});
const KEY_REF = obj({ name: 'string', key: 'string', optional: 'scalar' });
const CONTAINER = obj({
  name: 'string',
  image: 'string',
  command: list('string'),
  args: list('scalar'),
  env: list(
    obj({
      name: 'string',
      value: 'scalar',
      valueFrom: obj({
        secretKeyRef: KEY_REF,
        configMapKeyRef: KEY_REF,
        fieldRef: obj({ fieldPath: 'string', apiVersion: 'string' }),
      }),
    }),
  ),
  volumeMounts: list(obj({ name: 'string', mountPath: 'string', readOnly: 'scalar', subPath: 'string' })),
  workingDir: 'string',
  // Accepted, no local effect: scheduling, image pulling and the pod's security settings.
  resources: 'ignored',
  securityContext: 'ignored',
  imagePullPolicy: 'ignored',
  terminationMessagePolicy: 'ignored',
});
const ARGUMENTS = obj({ parameters: list(PARAM) });
const INVOCATION_FIELDS: Record<string, Desc> = {
  name: 'string',
  template: 'string',
  arguments: ARGUMENTS,
  when: 'scalar',
  withItems: list('any'),
  withParam: 'string',
  withSequence: obj({ count: 'scalar', start: 'scalar', end: 'scalar', format: 'string' }),
  continueOn: obj({ failed: 'scalar', error: 'scalar' }),
};
const TEMPLATE = obj({
  name: 'string',
  inputs: obj({ parameters: list(PARAM) }),
  outputs: obj({ parameters: list(PARAM) }),
  container: CONTAINER,
  dag: obj({
    tasks: list(obj({ ...INVOCATION_FIELDS, dependencies: list('string'), depends: 'string' })),
    target: 'scalar',
    failFast: 'scalar',
  }),
  steps: list(list(obj(INVOCATION_FIELDS))),
  retryStrategy: obj({
    limit: 'scalar',
    retryPolicy: 'string',
    expression: 'string',
    backoff: obj({ duration: 'scalar', factor: 'scalar', maxDuration: 'scalar', cap: 'scalar' }),
  }),
  parallelism: 'scalar',
  activeDeadlineSeconds: 'scalar',
  volumes: list(VOLUME),
  metadata: 'ignored',
  securityContext: 'ignored',
  serviceAccountName: 'ignored',
  automountServiceAccountToken: 'ignored',
  nodeSelector: 'ignored',
  tolerations: 'ignored',
  affinity: 'ignored',
  podSpecPatch: 'ignored',
  priorityClassName: 'ignored',
});
const WORKFLOW = obj({
  apiVersion: 'string',
  kind: 'string',
  metadata: 'ignored',
  spec: obj({
    entrypoint: 'string',
    arguments: ARGUMENTS,
    templates: list(TEMPLATE),
    parallelism: 'scalar',
    activeDeadlineSeconds: 'scalar',
    volumes: list(VOLUME),
    serviceAccountName: 'ignored',
    automountServiceAccountToken: 'ignored',
    executor: 'ignored',
    securityContext: 'ignored',
    podGC: 'ignored',
    ttlStrategy: 'ignored',
    podMetadata: 'ignored',
    workflowMetadata: 'ignored',
    imagePullSecrets: 'ignored',
    nodeSelector: 'ignored',
    tolerations: 'ignored',
    affinity: 'ignored',
    priorityClassName: 'ignored',
    podDisruptionBudget: 'ignored',
    archiveLogs: 'ignored',
  }),
});

function checkFields(
  node: YamlNode | null | undefined,
  desc: Desc,
  path: string,
  fail: (path: string, node: YamlNode | null | undefined, msg: string) => never,
  doc?: Document,
): void {
  if (isAlias(node) && doc) {
    checkFields(node.resolve(doc) as YamlNode | undefined, desc, path, fail, doc);
    return;
  }
  if (desc === 'any' || desc === 'ignored' || node === null || node === undefined) return;
  if (desc === 'scalar' || desc === 'string') {
    if (!isScalar(node))
      fail(path, node, `${path} must be a ${desc === 'string' ? 'string' : 'scalar value'}`);
    return;
  }
  if ('list' in desc) {
    if (!isSeq(node)) fail(path, node, `${path} must be a list`);
    for (const [i, item] of node.items.entries())
      checkFields(item as YamlNode, desc.list, `${path}[${i}]`, fail, doc);
    return;
  }
  if ('map' in desc) {
    if (!isMap(node)) fail(path, node, `${path} must be a mapping`);
    for (const pair of node.items)
      checkFields(
        pair.value as YamlNode,
        desc.map,
        `${path}.${String((pair.key as { value?: unknown })?.value)}`,
        fail,
      );
    return;
  }
  if (!isMap(node)) fail(path, node, `${path} must be a mapping`);
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const child = desc.obj[key];
    const childPath = path ? `${path}.${key}` : key;
    if (child === undefined)
      fail(childPath, pair.key as YamlNode, `unsupported field ${childPath} (dp run does not implement it)`);
    checkFields(pair.value as YamlNode, child, childPath, fail, doc);
  }
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function normaliseParams(ps: Parameter[] | undefined): Parameter[] | undefined {
  return ps?.map((p) => ({
    ...p,
    value: str(p.value),
    default: str(p.default),
    enum: p.enum?.map((e) => String(e)),
    valueFrom: p.valueFrom ? { ...p.valueFrom, default: str(p.valueFrom.default) } : undefined,
  }));
}

const isWorkflowDoc = (v: unknown) => (v as { kind?: unknown } | null)?.kind === 'Workflow';

/** Parses the YAML text of a Workflow (other documents: ConfigMaps are kept for configMap volumes, anything else is an error). */
export function parseWorkflow(text: string, file: string): Workflow {
  // YAML as go-yaml reads it (the reader dp lint uses): 1.1, a bare `.` a string, flow continuations, no alias bombs.
  const { documents: docs, lineAt } = readYamlStream(text);
  if (!Array.isArray(docs)) throw new SpecError(`${file}: not a YAML stream`);
  let workflow: Workflow | undefined;
  const configMaps = new Map<string, Record<string, string>>();
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line ?? lineAt(e.pos[0]);
      throw new SpecError(`${file}:${line}: invalid YAML: ${e.message.split('\n')[0]}`);
    }
    let value: Record<string, unknown> | null;
    try {
      // go-yaml refuses excessive aliasing too (an alias bomb): one line, not a crash.
      value = toYamlValue(doc) as Record<string, unknown> | null;
    } catch (e) {
      const line = lineAt(doc.range[0]);
      throw new SpecError(`${file}:${line}: invalid YAML: ${String((e as Error).message).split('\n')[0]}`);
    }
    if (value === null || value === undefined) continue;
    const fail = (_path: string, node: YamlNode | null | undefined, msg: string): never => {
      const offset = node?.range?.[0];
      const line = offset === undefined ? '?' : lineAt(offset);
      throw new SpecError(`${file}:${line}: ${msg}`);
    };
    if (typeof value !== 'object' || Array.isArray(value))
      fail('', doc.contents, 'a document must be a mapping');
    if (value.kind === 'ConfigMap') {
      const meta = value.metadata as { name?: string } | undefined;
      const data = (value.data ?? {}) as Record<string, unknown>;
      if (!meta?.name) fail('metadata.name', doc.contents, 'ConfigMap without metadata.name');
      configMaps.set(meta!.name!, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])));
      continue;
    }
    // Schedules (dp convert --schedule writes them beside the Workflow) are the cluster's: dp run runs the Workflow.
    if (
      (value.kind === 'CronWorkflow' || value.kind === 'CronJob') &&
      docs.some((d) => isWorkflowDoc(d.toJS()))
    )
      continue;
    if (value.kind !== 'Workflow' && value.kind !== 'WorkflowTemplate')
      fail(
        'kind',
        doc.contents,
        `kind ${String(value.kind)} is not supported (expected Workflow or WorkflowTemplate)`,
      );
    if (workflow) fail('kind', doc.contents, 'more than one Workflow in the file');
    checkFields(doc.contents, WORKFLOW, '', fail, doc);
    const spec = value.spec as Workflow['spec'] | undefined;
    if (!spec || !Array.isArray(spec.templates) || spec.templates.length === 0)
      fail('spec.templates', doc.contents, 'spec.templates is required and must not be empty');
    const meta = (value.metadata ?? {}) as { name?: string; generateName?: string };
    for (const [i, t] of spec!.templates.entries()) {
      const kinds = ['container', 'dag', 'steps'].filter(
        (k) => (t as unknown as Record<string, unknown>)[k] !== undefined,
      );
      if (kinds.length !== 1)
        throw new SpecError(
          `${file}: spec.templates[${i}] (${t.name}) must have exactly one of container, dag, steps (found ${kinds.join(', ') || 'none'})`,
        );
      t.inputs = t.inputs ? { parameters: normaliseParams(t.inputs.parameters) } : undefined;
      t.outputs = t.outputs ? { parameters: normaliseParams(t.outputs.parameters) } : undefined;
      if (t.container) t.container.args = t.container.args?.map((a) => String(a));
      if (t.container?.env) t.container.env = t.container.env.map((e) => ({ ...e, value: str(e.value) }));
      const invocations = [...(t.dag?.tasks ?? []), ...(t.steps ?? []).flat()];
      for (const inv of invocations) {
        if (inv.arguments) inv.arguments = { parameters: normaliseParams(inv.arguments.parameters) };
        if (inv.when !== undefined) inv.when = String(inv.when);
      }
    }
    if (spec!.arguments) spec!.arguments = { parameters: normaliseParams(spec!.arguments.parameters) };
    workflow = {
      file,
      name: meta.name ?? (meta.generateName ? `${meta.generateName}local` : 'workflow'),
      spec: spec!,
      configMaps,
    };
  }
  if (!workflow) throw new SpecError(`${file}: no Workflow document found`);
  workflow.configMaps = configMaps;
  return workflow;
}
