import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Finding, PathStep } from './source.js';

/** The published models (ajv-compiled validators) we check documents against, by `apiVersion` + `kind`. */
interface ModelClass {
  prototype: { validate(): void };
}

/**
 * A model module, loaded on first use: each kind's model (with its ajv validators) is hundreds of modules, the Argo
 * Workflow alone 266, so `dp lint` loads only the kinds of the documents it validates and everything else in the
 * process (`dp --help`, `dp run`) none (packages/cli/README.md, "Start-up"). Synchronous, as lint's API is: `require`
 * loads the ES module (Node >= 20.19) that `import.meta.resolve` names, the same file an `import` would load.
 */
const requireModule = createRequire(import.meta.url);
const load = (url: string): Record<string, ModelClass> => requireModule(fileURLToPath(url));

/** Every kind's loader: a literal specifier each, so the files a kind needs stay visible to tools that trace them. */
const MODEL_LOADERS: ReadonlyMap<string, () => ModelClass> = new Map<string, () => ModelClass>([
  [
    'argoproj.io/v1alpha1/Workflow',
    () =>
      load(import.meta.resolve('@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow')).Workflow!,
  ],
  [
    'argoproj.io/v1alpha1/WorkflowTemplate',
    () =>
      load(import.meta.resolve('@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/WorkflowTemplate'))
        .WorkflowTemplate!,
  ],
  [
    'argoproj.io/v1alpha1/ClusterWorkflowTemplate',
    () =>
      load(
        import.meta.resolve('@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/ClusterWorkflowTemplate'),
      ).ClusterWorkflowTemplate!,
  ],
  [
    'argoproj.io/v1alpha1/CronWorkflow',
    () =>
      load(import.meta.resolve('@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/CronWorkflow'))
        .CronWorkflow!,
  ],
  [
    'argoproj.io/v1alpha1/WorkflowEventBinding',
    () =>
      load(import.meta.resolve('@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/WorkflowEventBinding'))
        .WorkflowEventBinding!,
  ],
  ['batch/v1/CronJob', () => load(import.meta.resolve('kubernetes-models/batch/v1/CronJob')).CronJob!],
  ['batch/v1/Job', () => load(import.meta.resolve('kubernetes-models/batch/v1/Job')).Job!],
  ['v1/ConfigMap', () => load(import.meta.resolve('kubernetes-models/v1/ConfigMap')).ConfigMap!],
  ['v1/Namespace', () => load(import.meta.resolve('kubernetes-models/v1/Namespace')).Namespace!],
  ['v1/Secret', () => load(import.meta.resolve('kubernetes-models/v1/Secret')).Secret!],
  [
    'v1/ServiceAccount',
    () => load(import.meta.resolve('kubernetes-models/v1/ServiceAccount')).ServiceAccount!,
  ],
  [
    'v1/PersistentVolumeClaim',
    () => load(import.meta.resolve('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim!,
  ],
  ['v1/ResourceQuota', () => load(import.meta.resolve('kubernetes-models/v1/ResourceQuota')).ResourceQuota!],
  [
    'rbac.authorization.k8s.io/v1/Role',
    () => load(import.meta.resolve('kubernetes-models/rbac.authorization.k8s.io/v1/Role')).Role!,
  ],
  [
    'rbac.authorization.k8s.io/v1/RoleBinding',
    () =>
      load(import.meta.resolve('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding')).RoleBinding!,
  ],
  [
    'rbac.authorization.k8s.io/v1/ClusterRole',
    () =>
      load(import.meta.resolve('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole')).ClusterRole!,
  ],
  [
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    () =>
      load(import.meta.resolve('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'))
        .ClusterRoleBinding!,
  ],
  // Not kinds of their own: the types of the v4.1 fields MODEL_FIXES checks (below).
  ['v1/Container', () => load(import.meta.resolve('kubernetes-models/v1/Container')).Container!],
  [
    'v1/ResourceRequirements',
    () => load(import.meta.resolve('kubernetes-models/v1/ResourceRequirements')).ResourceRequirements!,
  ],
  [
    'v1/PodResourceClaim',
    () => load(import.meta.resolve('kubernetes-models/v1/PodResourceClaim')).PodResourceClaim!,
  ],
]);
const FIELD_TYPES = new Set(['v1/Container', 'v1/ResourceRequirements', 'v1/PodResourceClaim']);
const loaded = new Map<string, ModelClass>();

/** The model of `apiVersion/kind` (loaded once, then cached), or undefined for a kind lint does not know. */
function modelOf(key: string): ModelClass | undefined {
  const cached = loaded.get(key);
  if (cached) return cached;
  const loader = MODEL_LOADERS.get(key);
  if (!loader) return undefined;
  const model = loader();
  loaded.set(key, model);
  return model;
}

/** API versions Kubernetes (or Argo) removed: applying them to a current cluster fails. */
const REMOVED_APIS: ReadonlyArray<{
  apiVersion: string;
  kinds?: readonly string[];
  removedIn: string;
  use: string;
}> = [
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: 'Kubernetes 1.25', use: 'batch/v1' },
  { apiVersion: 'batch/v2alpha1', removedIn: 'Kubernetes 1.21', use: 'batch/v1' },
  { apiVersion: 'extensions/v1beta1', removedIn: 'Kubernetes 1.22', use: 'apps/v1 or networking.k8s.io/v1' },
  { apiVersion: 'apps/v1beta1', removedIn: 'Kubernetes 1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: 'Kubernetes 1.16', use: 'apps/v1' },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1beta1',
    removedIn: 'Kubernetes 1.22',
    use: 'rbac.authorization.k8s.io/v1',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1alpha1',
    removedIn: 'Kubernetes 1.22',
    use: 'rbac.authorization.k8s.io/v1',
  },
  {
    apiVersion: 'policy/v1beta1',
    removedIn: 'Kubernetes 1.25',
    use: 'policy/v1 (PodSecurityPolicy has no successor)',
  },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: 'Kubernetes 1.22', use: 'networking.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: 'Kubernetes 1.25', use: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: 'Kubernetes 1.26', use: 'autoscaling/v2' },
  { apiVersion: 'argoproj.io/v1alpha3', removedIn: 'Argo 2.0', use: 'argoproj.io/v1alpha1' },
];

export function removedApiFinding(apiVersion: string, kind: string): Finding | undefined {
  const hit = REMOVED_APIS.find((r) => r.apiVersion === apiVersion && (!r.kinds || r.kinds.includes(kind)));
  if (!hit) return undefined;
  return {
    path: ['apiVersion'],
    rule: 'validity/removed-api',
    message: `${apiVersion} ${kind} was removed in ${hit.removedIn}; use ${hit.use}`,
  };
}

export function isKnownKind(apiVersion: string, kind: string): boolean {
  const key = `${apiVersion}/${kind}`;
  return MODEL_LOADERS.has(key) && !FIELD_TYPES.has(key);
}

export function knownKinds(): string[] {
  return [...MODEL_LOADERS.keys()].filter((key) => !FIELD_TYPES.has(key));
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Validates one document against its published schema and rejects unknown fields.
 *
 * The npm models ship ajv-compiled validators that check the types of the properties they know and ignore the rest.
 * To add strictness without copying schemas, the document is wrapped in proxies that record every property the
 * validator reads: a key present in the document that the validator never looked at is not in the schema.
 */
export function validateAgainstSchema(doc: Record<string, unknown>): Finding[] {
  const apiVersion = String(doc.apiVersion ?? '');
  const kind = String(doc.kind ?? '');
  const model = isKnownKind(apiVersion, kind) ? modelOf(`${apiVersion}/${kind}`) : undefined;
  if (!model) {
    return [
      {
        path: ['kind'],
        rule: 'validity/unsupported-kind',
        message: `unsupported kind ${apiVersion}/${kind}: dp lint knows ${knownKinds().join(', ')}`,
      },
    ];
  }
  const subject = MODEL_FIXES.wrapParallelSteps(doc);
  return validateWithModel(model, subject, kind, []).map((f) => ({
    ...f,
    path: MODEL_FIXES.unwrapPath(f.path),
  }));
}

/** `value` (found at `base`) against one model: its type errors, then every key the validator never read. */
function validateWithModel(model: ModelClass, value: unknown, kind: string, base: PathStep[]): Finding[] {
  const accessed = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const existing = proxies.get(v);
    if (existing) return existing;
    const seen = new Set<string>();
    accessed.set(v, seen);
    const proxy = new Proxy(v, {
      get(target, key, receiver) {
        if (typeof key === 'string') seen.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
    });
    proxies.set(v, proxy);
    return proxy;
  };
  const findings: Finding[] = [];
  try {
    model.prototype.validate.call(wrap(value));
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    for (const e of dedupe(errors)) {
      const f = ajvFinding(e, base);
      if (!MODEL_FIXES.notRequiredUpstream(f.path, e)) findings.push(f);
    }
  }
  const walk = (v: unknown, path: PathStep[]): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, [...path, i]);
      });
      return;
    }
    const seen = accessed.get(v);
    // Not descended into (a type error is reported instead), or a free-form object: a schema that lists properties
    // makes the validator read each of them, present or not, so an object none of whose keys was read has none
    // declared (Argo's `plugin` template, x-kubernetes-preserve-unknown-fields).
    if (!seen || seen.size === 0) return;
    for (const [key, child] of Object.entries(v)) {
      if (seen.has(key)) {
        walk(child, [...path, key]);
        continue;
      }
      const upstream = MODEL_FIXES.upstreamField(path, key, child);
      if (upstream === undefined) {
        findings.push({
          path: [...path, key],
          rule: 'validity/unknown-field',
          message: `unknown field "${key}" (not in the ${kind} schema)`,
        });
      } else findings.push(...upstream(child, [...path, key], kind));
    }
  };
  walk(value, base);
  return findings;
}

type FieldCheck = (value: unknown, path: PathStep[], kind: string) => Finding[];

/** Checks a field against the model of a Kubernetes type (a key of MODEL_LOADERS), loaded when a field needs it. */
const withModel =
  (type: string): FieldCheck =>
  (value, path, kind) =>
    validateWithModel(modelOf(type)!, value, kind, path);

const listOf =
  (check: FieldCheck): FieldCheck =>
  (value, path, kind) =>
    Array.isArray(value)
      ? value.flatMap((item, i) => check(item, [...path, i], kind))
      : [{ path, rule: 'validity/schema', message: `schema: ${path.join('.')}: must be array` }];

/** A mapping with exactly these fields, each checked by its own check; `required` ones must be present. */
const fields =
  (known: Record<string, FieldCheck>, required: readonly string[]): FieldCheck =>
  (value, path, kind) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [{ path, rule: 'validity/schema', message: `schema: ${path.join('.')}: must be object` }];
    const o = value as Record<string, unknown>;
    const findings: Finding[] = required
      .filter((r) => o[r] === undefined)
      .map((r) => ({
        path,
        rule: 'validity/schema' as const,
        message: `schema: ${path.join('.')}: missing required field "${r}"`,
      }));
    for (const [key, child] of Object.entries(o)) {
      const check = known[key];
      if (check) findings.push(...check(child, [...path, key], kind));
      else
        findings.push({
          path: [...path, key],
          rule: 'validity/unknown-field',
          message: `unknown field "${key}" (not in the ${kind} schema)`,
        });
    }
    return findings;
  };

const BOOLEAN: FieldCheck = (value, path) =>
  typeof value === 'boolean'
    ? []
    : [{ path, rule: 'validity/schema', message: `schema: ${path.join('.')}: must be boolean` }];

const OBJECT: FieldCheck = (value, path) =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? []
    : [{ path, rule: 'validity/schema', message: `schema: ${path.join('.')}: must be object` }];

/** workflow_types.go `ExecutorPlugin` (v4.1): `{metadata, spec: {sidecar: {container, automountServiceAccountToken}}}`. */
const EXECUTOR_PLUGIN = fields(
  {
    metadata: OBJECT, // its name is what counts, checked by the controller
    spec: fields(
      {
        sidecar: fields({ container: withModel('v1/Container'), automountServiceAccountToken: BOOLEAN }, [
          'container',
        ]),
      },
      ['sidecar'],
    ),
  },
  ['metadata', 'spec'],
);

/**
 * Where @kubernetes-models/argo-workflows 2.0.0 differs from Argo v4.1.2's own types (pkg/apis/workflow/v1alpha1):
 * - ParallelSteps is generated as an object `{steps: [...]}` (a kubebuilder workaround); on the wire a step group is a
 *   plain list of WorkflowStep (workflow_types.go `type ParallelSteps`, custom UnmarshalJSON). We wrap before validating.
 * - Parameter.description (workflow_types.go, `Description *AnyString`) is missing from the model.
 * - v4.1 fields the model does not have yet: `podResources` (WorkflowSpec and Template, a ResourceRequirements),
 *   `resourceClaims` (WorkflowSpec and Template, PodResourceClaim list), `executorPlugins` (WorkflowSpec); each is
 *   checked with the Kubernetes model of its type.
 * - Requirements the model has and Argo's schema does not: `name` of a template's `container`/`script` (the controller
 *   names it `main`), `apiVersion`/`kind` of a `volumeClaimTemplates` entry.
 */
const MODEL_FIXES = {
  wrapParallelSteps(doc: Record<string, unknown>): Record<string, unknown> {
    const wrapTemplates = (spec: unknown): unknown => {
      if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return spec;
      const s = spec as Record<string, unknown>;
      if (!Array.isArray(s.templates)) return spec;
      return {
        ...s,
        templates: s.templates.map((t) => {
          if (!t || typeof t !== 'object' || !Array.isArray((t as Record<string, unknown>).steps)) return t;
          const tt = t as Record<string, unknown>;
          return { ...tt, steps: (tt.steps as unknown[]).map((g) => (Array.isArray(g) ? { steps: g } : g)) };
        }),
      };
    };
    const spec = doc.spec as Record<string, unknown> | undefined;
    if (!spec || typeof spec !== 'object') return doc;
    if (doc.kind === 'CronWorkflow')
      return { ...doc, spec: { ...spec, workflowSpec: wrapTemplates(spec.workflowSpec) } };
    return { ...doc, spec: wrapTemplates(spec) };
  },
  unwrapPath(path: readonly PathStep[]): PathStep[] {
    const out: PathStep[] = [];
    for (let i = 0; i < path.length; i++) {
      out.push(path[i] as PathStep);
      if (
        path[i] === 'steps' &&
        typeof path[i + 1] === 'number' &&
        path[i + 2] === 'steps' &&
        path[i - 2] === 'templates'
      ) {
        out.push(path[i + 1] as PathStep);
        i += 2;
      }
    }
    return out;
  },
  upstreamField(path: PathStep[], key: string, value: unknown): FieldCheck | undefined {
    const parent = path[path.length - 1];
    if (key === 'description' && typeof value === 'string' && path[path.length - 2] === 'parameters')
      return () => [];
    const inSpec = parent === 'spec' || parent === 'workflowSpec';
    const inTemplate = typeof parent === 'number' && path[path.length - 2] === 'templates';
    if (key === 'podResources' && (inSpec || inTemplate)) return withModel('v1/ResourceRequirements');
    if (key === 'resourceClaims' && (inSpec || inTemplate)) return listOf(withModel('v1/PodResourceClaim'));
    if (key === 'executorPlugins' && inSpec) return listOf(EXECUTOR_PLUGIN);
    return undefined;
  },
  notRequiredUpstream(path: readonly PathStep[], e: AjvError): boolean {
    if (e.keyword !== 'required') return false;
    const last = path[path.length - 1];
    const missing = e.params.missingProperty;
    if (missing === 'name' && (last === 'container' || last === 'script')) return true;
    return (
      (missing === 'apiVersion' || missing === 'kind') &&
      typeof last === 'number' &&
      path[path.length - 2] === 'volumeClaimTemplates'
    );
  },
};

function dedupe(errors: AjvError[]): AjvError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function ajvFinding(e: AjvError, base: readonly PathStep[]): Finding {
  const relative: PathStep[] = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const path = [...base, ...relative];
  const where = path.length === 0 ? 'document' : path.join('.');
  let message: string;
  switch (e.keyword) {
    case 'required':
      message = `${where}: missing required field "${String(e.params.missingProperty)}"`;
      break;
    case 'type':
      message = `${where}: must be ${String(e.params.type)}`;
      break;
    case 'enum':
      message = `${where}: must be one of ${JSON.stringify(e.params.allowedValues)}`;
      break;
    default:
      message = `${where}: ${e.message ?? e.keyword}`;
  }
  return { path, rule: 'validity/schema', message: `schema: ${message}` };
}
