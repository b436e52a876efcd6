import { parse } from 'yaml';
import { asArray, asObj } from './pods.js';
import type { PathStep, Problem, RuleId, SourceDocument } from './source.js';

/**
 * Checks across the files of one `dp lint` run:
 * - ServiceAccount / Secret / ConfigMap names a pod or workflow uses must be defined among the linted files —
 *   `policy/cluster-reference`: the object may exist in the cluster only, so this is the project's rule ("the
 *   manifests are complete"), checked only for a kind the run defines at least one object of;
 * - the `argo submit` argv of a CronJob/Job against the v4.1 CLI's flags (`validity/argo-cli`: cobra refuses an
 *   unknown flag and the Job fails);
 * - the `--parameter-file` the submitter reads, followed through its volume to a linted ConfigMap, may only set
 *   parameters the submitted workflow (also followed to its ConfigMap) declares (`policy/parameter-file`: argo adds an
 *   undeclared one silently, so a misspelt key leaves the default in force).
 */

type Kind = 'ServiceAccount' | 'Secret' | 'ConfigMap';
const KINDS: readonly Kind[] = ['ServiceAccount', 'Secret', 'ConfigMap'];

interface Ref {
  readonly kind: Kind;
  readonly name: string;
  readonly path: PathStep[];
}

/** References by name found anywhere in a document (templated names are resolved later by Argo: skipped). */
function refsIn(value: unknown, path: PathStep[], out: Ref[]): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) refsIn(v, [...path, i], out);
    return;
  }
  const o = asObj(value);
  if (!o) return;
  const add = (kind: Kind, name: unknown, p: PathStep[]) => {
    if (typeof name === 'string' && name !== '' && !name.includes('{{')) out.push({ kind, name, path: p });
  };
  for (const [key, child] of Object.entries(o)) {
    const p = [...path, key];
    if (key === 'serviceAccountName') add('ServiceAccount', child, p);
    else if (key === 'secret') add('Secret', asObj(child)?.secretName, [...p, 'secretName']);
    else if (key === 'secretKeyRef' || key === 'secretRef') add('Secret', asObj(child)?.name, [...p, 'name']);
    else if (key === 'configMapKeyRef' && path.at(-1) === 'valueFrom' && path.includes('parameters')) {
      // An Argo parameter read from a ConfigMap: the operator's per-cluster setting (our gcp-project), created by
      // hand like the key Secret and never part of the checked-in YAML.
    } else if (key === 'configMap' || key === 'configMapKeyRef' || key === 'configMapRef')
      add('ConfigMap', asObj(child)?.name, [...p, 'name']);
    refsIn(child, p, out);
  }
}

const problem = (
  d: SourceDocument,
  path: PathStep[],
  rule: RuleId,
  message: string,
  extraLines = 0,
): Problem => ({
  file: d.file,
  line: d.lineOf(path) + extraLines,
  rule,
  message,
});

export function checkCrossReferences(documents: readonly SourceDocument[]): Problem[] {
  const defined = new Map<Kind, Map<string, SourceDocument>>(KINDS.map((k) => [k, new Map()]));
  for (const d of documents) {
    const o = asObj(d.value);
    const name = asObj(o?.metadata)?.name;
    const kind = o?.kind;
    if (typeof name === 'string' && typeof kind === 'string' && (KINDS as readonly string[]).includes(kind))
      defined.get(kind as Kind)?.set(name, d);
  }
  const problems: Problem[] = [];
  for (const d of documents) {
    const o = asObj(d.value);
    if (!o || KINDS.includes(o.kind as Kind)) continue;
    const refs: Ref[] = [];
    refsIn(o.spec, ['spec'], refs);
    for (const r of refs) {
      const names = defined.get(r.kind)!;
      if (names.size === 0 || names.has(r.name)) continue;
      problems.push(
        problem(
          d,
          r.path,
          'policy/cluster-reference',
          `${r.kind} "${r.name}" is not defined in the linted files (defined: ${[...names.keys()].join(', ')})`,
        ),
      );
    }
    if (o.kind === 'CronJob' || o.kind === 'Job') problems.push(...checkSubmitters(d, o, defined));
  }
  return problems;
}

/** `argo submit` flags of the v4.1 CLI (docs/cli/argo_submit.md and the global flags of docs/cli/argo.md). */
const SUBMIT_FLAGS: ReadonlyMap<string, boolean> = new Map([
  // submit's own: name → takes a value
  ['dry-run', false],
  ['entrypoint', true],
  ['from', true],
  ['generate-name', true],
  ['help', false],
  ['labels', true],
  ['log', false],
  ['name', true],
  ['node-field-selector', true],
  ['output', true],
  ['parameter', true],
  ['parameter-file', true],
  ['priority', true],
  ['scheduled-time', true],
  ['server-dry-run', false],
  ['serviceaccount', true],
  ['status', true],
  ['strict', false],
  ['wait', false],
  ['watch', false],
  ['get', false],
  // inherited global flags
  ['argo-base-href', true],
  ['argo-http1', false],
  ['argo-server', true],
  ['as', true],
  ['as-group', true],
  ['as-uid', true],
  ['certificate-authority', true],
  ['client-certificate', true],
  ['client-key', true],
  ['cluster', true],
  ['context', true],
  ['disable-compression', false],
  ['gloglevel', true],
  ['header', true],
  ['insecure-skip-tls-verify', false],
  ['insecure-skip-verify', false],
  ['instanceid', true],
  ['kubeconfig', true],
  ['log-format', true],
  ['loglevel', true],
  ['namespace', true],
  ['password', true],
  ['proxy-url', true],
  ['request-timeout', true],
  ['secure', false],
  ['server', true],
  ['tls-server-name', true],
  ['token', true],
  ['user', true],
  ['username', true],
  ['verbose', false],
]);

const SHORT_FLAGS: ReadonlyMap<string, string> = new Map([
  ['h', 'help'],
  ['l', 'labels'],
  ['o', 'output'],
  ['p', 'parameter'],
  ['f', 'parameter-file'],
  ['w', 'wait'],
  ['s', 'argo-server'],
  ['H', 'header'],
  ['k', 'insecure-skip-verify'],
  ['n', 'namespace'],
  ['e', 'secure'],
  ['v', 'verbose'],
]);

interface SubmitArgv {
  readonly files: string[];
  readonly flags: Map<string, string>;
}

function checkSubmitters(
  d: SourceDocument,
  o: Record<string, unknown>,
  defined: Map<Kind, Map<string, SourceDocument>>,
): Problem[] {
  const problems: Problem[] = [];
  const podPath: PathStep[] =
    o.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
  let pod: unknown = o;
  for (const step of podPath) pod = asObj(pod)?.[step as string];
  const podSpec = asObj(pod);
  if (!podSpec) return problems;
  asArray(podSpec.containers).forEach((c, i) => {
    const container = asObj(c);
    if (!container) return;
    const cPath = [...podPath, 'containers', i];
    const command = asArray(container.command).filter((x): x is string => typeof x === 'string');
    const args = asArray(container.args).filter((x): x is string => typeof x === 'string');
    const isArgo =
      /(^|\/)argocli[:@]|(^|\/)argo[:@]/.test(String(container.image ?? '')) && command.length === 0
        ? true
        : /(^|\/)argo$/.test(command[0] ?? '');
    if (!isArgo) return;
    const argv = command.length > 0 ? [...command.slice(1), ...args] : args;
    const field = command.length > 1 ? 'command' : 'args';
    const offset = command.length > 1 ? 1 : 0;
    if (argv[0] !== 'submit') return;
    const submit: SubmitArgv = { files: [], flags: new Map() };
    for (let j = 1; j < argv.length; j++) {
      const a = argv[j]!;
      const at = [...cPath, field, j + (field === 'command' ? offset : 0)];
      if (!a.startsWith('-') || a === '-') {
        submit.files.push(a);
        continue;
      }
      const long = /^--([^=]+)(=(.*))?$/.exec(a);
      const short = /^-([A-Za-z])(=?(.*))?$/.exec(a);
      const name = long ? long[1]! : short ? SHORT_FLAGS.get(short[1]!) : undefined;
      const takesValue = name === undefined ? undefined : SUBMIT_FLAGS.get(name);
      if (name === undefined || takesValue === undefined) {
        const near = long ? nearestFlag(long[1]!) : undefined;
        problems.push(
          problem(
            d,
            at,
            'validity/argo-cli',
            `argo submit: unknown flag ${a.split('=')[0]}${near ? ` (did you mean --${near}?)` : ''}`,
          ),
        );
        continue;
      }
      let value = long ? long[3] : short?.[3] || undefined;
      if (takesValue && value === undefined) value = argv[++j];
      if (takesValue && value === undefined)
        problems.push(problem(d, at, 'validity/argo-cli', `argo submit: flag ${a} needs a value`));
      submit.flags.set(name, value ?? 'true');
    }
    problems.push(...checkParameterFile(d, container, podSpec, submit, defined));
  });
  return problems;
}

function nearestFlag(flag: string): string | undefined {
  for (const known of SUBMIT_FLAGS.keys()) {
    if (known.length === flag.length && [...known].sort().join('') === [...flag].sort().join(''))
      return known;
  }
  return [...SUBMIT_FLAGS.keys()].find((k) => k.startsWith(flag) || flag.startsWith(k));
}

/** A file the container reads, followed through its mounts to a linted ConfigMap's data key. */
function configMapFile(
  file: string,
  container: Record<string, unknown>,
  podSpec: Record<string, unknown>,
  defined: Map<Kind, Map<string, SourceDocument>>,
): { doc: SourceDocument; key: string; text: string } | undefined {
  for (const m of asArray(container.volumeMounts)) {
    const mount = asObj(m);
    const mountPath = typeof mount?.mountPath === 'string' ? mount.mountPath.replace(/\/$/, '') : undefined;
    if (!mount || !mountPath || !file.startsWith(`${mountPath}/`)) continue;
    const rel = file.slice(mountPath.length + 1);
    const volume = asArray(podSpec.volumes)
      .map(asObj)
      .find((v) => v?.name === mount.name);
    const cm = asObj(volume?.configMap);
    if (!cm || typeof cm.name !== 'string') return undefined;
    const item = asArray(cm.items)
      .map(asObj)
      .find((it) => it?.path === rel);
    const key = typeof item?.key === 'string' ? item.key : rel;
    const doc = defined.get('ConfigMap')?.get(cm.name);
    const text = asObj(asObj(doc?.value)?.data)?.[key];
    return doc && typeof text === 'string' ? { doc, key, text } : undefined;
  }
  return undefined;
}

function checkParameterFile(
  d: SourceDocument,
  container: Record<string, unknown>,
  podSpec: Record<string, unknown>,
  submit: SubmitArgv,
  defined: Map<Kind, Map<string, SourceDocument>>,
): Problem[] {
  const paramFile = submit.flags.get('parameter-file');
  const wfFile = submit.files[0];
  if (!paramFile || !wfFile) return [];
  const params = configMapFile(paramFile, container, podSpec, defined);
  const workflow = configMapFile(wfFile, container, podSpec, defined);
  if (!params || !workflow) return [];
  let declared: Set<string>;
  let values: Record<string, unknown> | undefined;
  try {
    const wf = asObj(parse(workflow.text));
    declared = new Set(
      asArray(asObj(asObj(wf?.spec)?.arguments)?.parameters)
        .map((p) => asObj(p)?.name)
        .filter((n): n is string => typeof n === 'string'),
    );
    values = asObj(parse(params.text));
  } catch {
    return []; // YAML errors in either are reported where they are
  }
  if (!values || asObj(asObj(parse(workflow.text))?.spec)?.workflowTemplateRef) return [];
  const lines = params.text.split('\n');
  const problems: Problem[] = [];
  for (const key of Object.keys(values)) {
    if (declared.has(key)) continue;
    const index = lines.findIndex((l) => l.startsWith(`${key}:`) || l.startsWith(`"${key}":`));
    problems.push(
      problem(
        params.doc,
        ['data', params.key],
        'policy/parameter-file',
        `parameter "${key}" in ${params.key} is not declared by ${wfFile} (${d.file} submits it with --parameter-file); argo would add it unused`,
        index >= 0 ? index + 1 : 0,
      ),
    );
  }
  return problems;
}
