import type * as z from 'zod/v4/core';
import { globalRegistry } from 'zod/v4/core';
import type { OperatorDefinition } from './operator.js';

/** How a flag's text value becomes a kwarg value. */
export type FlagKind = 'string' | 'number' | 'boolean' | 'enum' | 'json' | 'string-or-json';

export interface FlagDescriptor {
  /** Flag name without the leading dashes, e.g. `use-legacy-sql`. */
  readonly flag: string;
  readonly group: 'common' | 'kwarg' | 'extra' | 'dag-file';
  /** The kwarg this flag sets (kwarg flags only), e.g. `use_legacy_sql`. */
  readonly kwarg?: string;
  readonly kind: FlagKind;
  readonly required: boolean;
  readonly description: string;
  /** Placeholder shown in help, e.g. `SQL` or `true|false`. */
  readonly value?: string;
  readonly env?: string;
  readonly defaultValue?: unknown;
  readonly choices?: readonly string[];
  /** Accepts `@path` to read the value from a file. */
  readonly file?: boolean;
  /** May be given several times (the values are kept in order). */
  readonly multiple?: boolean;
}

export const DEFAULT_CONNECTIONS_DIR = '/etc/data-pipeline/connections';
export const DEFAULT_KILL_GRACE_SECONDS = 10;

/** Flags every operator CLI has. Kwarg flags may not reuse these names. */
export const COMMON_FLAGS: readonly FlagDescriptor[] = [
  {
    flag: 'task-id',
    group: 'common',
    kind: 'string',
    required: true,
    value: 'ID',
    description: 'Airflow task id (letters, digits, `_`, `-`, `.`)',
  },
  {
    flag: 'dag-id',
    group: 'common',
    kind: 'string',
    required: false,
    value: 'ID',
    description: 'Airflow DAG id (default: the task id)',
  },
  {
    flag: 'execution-date',
    group: 'common',
    kind: 'string',
    required: true,
    value: 'DATE',
    description: 'Airflow execution date, `YYYY-MM-DD` or `YYYYMMDD` (passed to `airflow backfill -s/-e`)',
  },
  {
    flag: 'kwargs-file',
    group: 'common',
    kind: 'string',
    required: false,
    value: 'FILE',
    description: 'JSON object of operator kwargs; kwarg flags override its values',
  },
  {
    flag: 'outputs-dir',
    group: 'common',
    kind: 'string',
    required: false,
    value: 'DIR',
    description: 'Directory for Argo output parameter files (`exit-class`, `exit-code`, operator outputs)',
  },
  {
    flag: 'engine',
    group: 'common',
    kind: 'enum',
    required: false,
    value: 'airflow|native',
    choices: ['airflow', 'native'],
    env: 'DP_ENGINE',
    description: 'Run through Airflow 1.8.2 (`airflow backfill`) or the native TypeScript implementation',
  },
  {
    flag: 'gcp-project',
    group: 'common',
    kind: 'string',
    required: false,
    value: 'PROJECT',
    env: 'GOOGLE_CLOUD_PROJECT',
    description: "GCP project of the Google connections (default: the key file's `project_id`)",
  },
  {
    flag: 'connections-dir',
    group: 'common',
    kind: 'string',
    required: false,
    value: 'DIR',
    env: 'DP_CONNECTIONS_DIR',
    defaultValue: DEFAULT_CONNECTIONS_DIR,
    description: 'One file per conn_id holding an Airflow URI or a JSON object (default skipped when absent)',
  },
  {
    flag: 'kill-grace-period',
    group: 'common',
    kind: 'number',
    required: false,
    value: 'SECONDS',
    env: 'DP_KILL_GRACE_PERIOD',
    defaultValue: DEFAULT_KILL_GRACE_SECONDS,
    description: 'After SIGTERM/SIGINT is forwarded to Airflow, SIGKILL it after this many seconds',
  },
  {
    flag: 'log-format',
    group: 'common',
    kind: 'enum',
    required: false,
    value: 'json|pretty',
    choices: ['json', 'pretty'],
    env: 'DP_LOG_FORMAT',
    description: 'Log format on stdout (default: `pretty` on a TTY, else `json`)',
  },
  { flag: 'help', group: 'common', kind: 'boolean', required: false, description: 'Show this help and exit' },
  {
    flag: 'version',
    group: 'common',
    kind: 'boolean',
    required: false,
    description: 'Show the version and exit',
  },
];

/** DAG-file mode's flags (definitions with `dagFileMode`): one task of an unmodified DAG file, see dag-file.ts. */
export const DAG_FILE_FLAGS: readonly FlagDescriptor[] = [
  {
    flag: 'dag-file',
    group: 'dag-file',
    kind: 'string',
    required: false,
    value: 'FILE',
    description:
      'Run task `--task-id` of DAG `--dag-id` (required) of this unmodified Airflow 1.8.2 DAG file instead of an operator (not with kwarg flags or `--kwargs-file`)',
  },
  {
    flag: 'xcom-in',
    group: 'dag-file',
    kind: 'string',
    required: false,
    value: 'JSON',
    multiple: true,
    description:
      'Repeatable: the `xcom` output of an upstream DAG-file step, loaded as XCom rows before the task runs (empty: none)',
  },
  {
    flag: 'try-number',
    group: 'dag-file',
    kind: 'number',
    required: false,
    value: 'N',
    defaultValue: 0,
    description:
      "Argo's retry attempt (`{{retries}}`, 0 first): decides UP_FOR_RETRY or FAILED and the callback as 1.8.2 does",
  },
];

interface Unwrapped {
  readonly base: z.$ZodType;
  readonly required: boolean;
  readonly defaultValue?: unknown;
  readonly description?: string;
}

interface ZodDefLike {
  readonly type: string;
  readonly innerType?: z.$ZodType;
  readonly in?: z.$ZodType;
  readonly defaultValue?: unknown;
  readonly options?: readonly z.$ZodType[];
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
}

function defOf(schema: z.$ZodType): ZodDefLike {
  return schema._zod.def as unknown as ZodDefLike;
}

/** The description given with `.describe()` (classic) or the `z.describe()` check (mini): both register it here. */
function descriptionOf(schema: z.$ZodType): string | undefined {
  return globalRegistry.get(schema)?.description;
}

function unwrap(schema: z.$ZodType): Unwrapped {
  let current = schema;
  let required = true;
  let defaultValue: unknown;
  let description = descriptionOf(current);
  for (let depth = 0; depth < 20; depth++) {
    const def = defOf(current);
    if (
      def.type === 'optional' ||
      def.type === 'nullable' ||
      def.type === 'readonly' ||
      def.type === 'catch'
    ) {
      if (def.type !== 'readonly') required = false;
      current = def.innerType as z.$ZodType;
    } else if (def.type === 'default' || def.type === 'prefault') {
      required = false;
      defaultValue = def.defaultValue;
      current = def.innerType as z.$ZodType;
    } else if (def.type === 'pipe') {
      current = def.in as z.$ZodType;
    } else {
      break;
    }
    description ??= descriptionOf(current);
  }
  return { base: current, required, defaultValue, ...(description !== undefined ? { description } : {}) };
}

function kindOf(schema: z.$ZodType): { kind: FlagKind; choices?: string[] } {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return { kind: 'string' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', choices: Object.values(def.entries ?? {}).map(String) };
    case 'literal':
      return { kind: 'enum', choices: (def.values ?? []).map(String) };
    case 'object':
    case 'array':
    case 'record':
    case 'tuple':
    case 'map':
    case 'set':
      return { kind: 'json' };
    case 'union': {
      const kinds = (def.options ?? []).map((o) => kindOf(unwrap(o).base).kind);
      if (kinds.every((k) => k === 'string' || k === 'enum')) return { kind: 'string' };
      if (kinds.every((k) => k === 'number')) return { kind: 'number' };
      if (kinds.every((k) => k === 'boolean')) return { kind: 'boolean' };
      return { kind: 'string-or-json' };
    }
    default:
      return { kind: 'string-or-json' };
  }
}

/** `foo_bar` → `foo-bar`. */
export function kwargToFlag(kwarg: string): string {
  return kwarg.replaceAll('_', '-');
}

const VALUE_HINT: Record<FlagKind, string> = {
  string: 'TEXT',
  number: 'NUMBER',
  boolean: 'true|false',
  enum: '',
  json: 'JSON',
  'string-or-json': 'TEXT|JSON',
};

/**
 * Flag descriptors of an operator CLI: the common flags, then one per kwarg (derived from the zod schema), then the
 * operator's extra flags. Used for parsing, `--help` and the README flag tables. Throws on a name clash (a bug in
 * the definition, found by the operator package's own tests).
 */
export function buildCliFlags(definition: OperatorDefinition): FlagDescriptor[] {
  const flags: FlagDescriptor[] = [...COMMON_FLAGS];
  const seen = new Set(flags.map((f) => f.flag));
  const fileFields = new Set(definition.fileFields ?? []);
  for (const [kwarg, fieldSchema] of Object.entries(
    definition.kwargs._zod.def.shape as Record<string, z.$ZodType>,
  )) {
    const flag = kwargToFlag(kwarg);
    if (seen.has(flag)) throw new Error(`${definition.name}: kwarg ${kwarg} clashes with the flag --${flag}`);
    seen.add(flag);
    const u = unwrap(fieldSchema);
    const { kind, choices } = kindOf(u.base);
    const file = fileFields.has(kwarg);
    const value = kind === 'enum' ? (choices ?? []).join('|') : VALUE_HINT[kind];
    flags.push({
      flag,
      group: 'kwarg',
      kwarg,
      kind,
      required: u.required,
      description: u.description ?? '',
      value: file ? `${value}|@FILE` : value,
      ...(u.defaultValue !== undefined ? { defaultValue: u.defaultValue } : {}),
      ...(choices ? { choices } : {}),
      ...(file ? { file } : {}),
    });
  }
  if (definition.dagFileMode) {
    for (const f of DAG_FILE_FLAGS) {
      if (seen.has(f.flag)) throw new Error(`${definition.name}: --${f.flag} clashes with DAG-file mode`);
      seen.add(f.flag);
      flags.push(f);
    }
  }
  for (const extra of definition.extraFlags ?? []) {
    if (seen.has(extra.flag))
      throw new Error(`${definition.name}: extra flag --${extra.flag} is declared twice`);
    seen.add(extra.flag);
    flags.push({
      flag: extra.flag,
      group: 'extra',
      kind: 'string',
      required: false,
      value: 'VALUE',
      description: extra.description,
      ...(extra.env ? { env: extra.env } : {}),
    });
  }
  return flags;
}

function mdCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** Markdown table of an operator's flags, for the README between `<!-- flags:begin -->` and `<!-- flags:end -->`. */
export function renderFlagTable(definition: OperatorDefinition): string {
  const rows = buildCliFlags(definition).map((f) => {
    const name = f.value ? `\`--${f.flag} ${f.value}\`` : `\`--${f.flag}\``;
    const kwarg = f.kwarg
      ? `\`${f.kwarg}\``
      : f.group === 'extra'
        ? '(extra)'
        : f.group === 'dag-file'
          ? '(DAG file)'
          : '(common)';
    return `| ${mdCell(name)} | ${kwarg} | ${f.required ? 'yes' : ''} | ${mdCell(formatDefault(f.defaultValue))} | ${f.env ? `\`${f.env}\`` : ''} | ${mdCell(f.description)} |`;
  });
  return [
    '| flag | kwarg | required | default | env | description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** `--help` text. */
export function renderHelp(definition: OperatorDefinition): string {
  const flags = buildCliFlags(definition);
  const lines = [
    `${definition.name} ${definition.version}: ${definition.description}`,
    '',
    `usage: ${definition.name} --task-id ID --execution-date DATE [flags]`,
  ];
  if (definition.dagFileMode) {
    lines.push(
      `       ${definition.name} --dag-file FILE --dag-id ID --task-id ID --execution-date DATE [--xcom-in JSON]... [flags]`,
    );
  }
  const titles = {
    common: 'common flags:',
    kwarg: 'operator kwargs:',
    extra: 'extra flags:',
    'dag-file': 'DAG-file mode (instead of the operator kwargs):',
  } as const;
  for (const group of ['common', 'kwarg', 'extra', 'dag-file'] as const) {
    const inGroup = flags.filter((f) => f.group === group);
    if (inGroup.length === 0) continue;
    lines.push('', titles[group]);
    for (const f of inGroup) {
      const head = `  --${f.flag}${f.value ? ` ${f.value}` : ''}`;
      const notes = [
        f.required ? 'required' : '',
        f.defaultValue !== undefined ? `default ${JSON.stringify(f.defaultValue)}` : '',
        f.env ? `env ${f.env}` : '',
      ].filter(Boolean);
      lines.push(head, `      ${f.description}${notes.length ? ` (${notes.join('; ')})` : ''}`);
    }
  }
  lines.push(
    '',
    'exit codes: see ARCHITECTURE.md (0 success, 1 task failed, 64 usage, 65 invalid input, 75 transient,',
  );
  lines.push('            77 permission denied, 78 configuration, 130/143 interrupted/terminated)');
  return `${lines.join('\n')}\n`;
}

const BEGIN = '<!-- flags:begin -->';
const END = '<!-- flags:end -->';

/** Replaces the text between the flags markers of a README with the current table. */
export function replaceFlagTable(readme: string, table: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, start + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

/**
 * Markdown with every table row reduced to `| a | b |` (cells trimmed, separator cells `---`), so a table compares
 * equal whether or not a formatter (biome formats Markdown) has aligned its columns.
 */
export function normalizeMarkdownTables(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      const t = line.trim();
      if (!t.startsWith('|') || !t.endsWith('|') || t.length < 2) return line;
      const cells = t
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
        .map((c) => (/^:?-+:?$/.test(c) ? '---' : c));
      return `| ${cells.join(' | ')} |`;
    })
    .join('\n');
}

/**
 * For operator packages' tests: `ok` when the README's flag table matches the definition (column alignment
 * ignored), plus the README text with a fresh table (`expected`) that a script can write (then format it with
 * `biome format --write`).
 */
export async function checkReadmeFlagTable(
  definition: OperatorDefinition,
  readmePath: string,
): Promise<{ ok: boolean; expected: string; actual: string }> {
  const { readFile } = await import('node:fs/promises');
  const actual = await readFile(readmePath, 'utf8');
  const expected = replaceFlagTable(actual, renderFlagTable(definition));
  return { ok: normalizeMarkdownTables(expected) === normalizeMarkdownTables(actual), expected, actual };
}
