import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type * as z from 'zod/v4/core';
import { config as configureZod, safeParse } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import { parseXcomIn } from './dag-file.js';
import type { XcomRow } from './dag-file-source.js';
import {
  buildCliFlags,
  DEFAULT_CONNECTIONS_DIR,
  DEFAULT_KILL_GRACE_SECONDS,
  type FlagDescriptor,
} from './flags.js';
import { availableEngines, type Engine, type OperatorDefinition, OperatorError } from './operator.js';

// zod/mini carries no messages of its own: the English ones (what zod classic loads by default) for every schema.
configureZod(en());

/** Everything a run needs, validated once at the edge. */
export interface RunConfig {
  readonly taskId: string;
  readonly dagId: string;
  readonly executionDate: Date;
  readonly engine: Engine;
  readonly kwargs: Record<string, unknown>;
  readonly outputsDir: string | undefined;
  readonly gcpProject: string | undefined;
  readonly connectionsDir: string;
  /** True when the connections dir was given explicitly (then it must exist). */
  readonly connectionsDirExplicit: boolean;
  readonly killGraceMs: number;
  readonly logFormat: 'json' | 'pretty' | undefined;
  readonly extra: Readonly<Record<string, string | undefined>>;
  /** DAG-file mode (`--dag-file`): one task of an unmodified DAG file instead of the definition's operator. */
  readonly dagFile?: DagFileRun | undefined;
}

export interface DagFileRun {
  /** Absolute path of the user's DAG file (read where it is, e.g. a read-only ConfigMap mount). */
  readonly path: string;
  /** The `--xcom-in` rows, merged: loaded into the private database before the task runs. */
  readonly xcomIn: readonly XcomRow[];
  /** Argo's retry attempt (0 for the first). */
  readonly tryNumber: number;
}

export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly config: RunConfig };

/** Airflow-safe ids; also used as a file name, so no leading dot and no slash. */
const ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$/;

function usage(message: string): OperatorError {
  return new OperatorError('usage', message);
}

function shown(value: string): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ');
  return JSON.stringify(oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine);
}

/**
 * Parses `YYYY-MM-DD` or `YYYYMMDD` into Airflow's naive midnight execution date (as a UTC Date).
 * Throws a usage OperatorError for anything else, including impossible calendar dates.
 */
export function parseExecutionDate(text: string): Date {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  const dashed = /^\d{4}-\d{2}-\d{2}$/.test(text) || /^\d{8}$/.test(text);
  if (!m || !dashed) throw usage(`--execution-date ${shown(text)}: expected YYYY-MM-DD or YYYYMMDD`);
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    Number(y) < 1900
  ) {
    throw usage(`--execution-date ${shown(text)}: no such calendar date`);
  }
  return date;
}

/** `2026-11-23` */
export function formatDs(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Airflow's `execution_date.isoformat()` for a naive midnight date: `2026-11-23T00:00:00`. */
export function formatIsoNaive(date: Date): string {
  return date.toISOString().slice(0, 19);
}

function readTextFile(path: string, what: string, cls: 'usage' | 'configuration' = 'usage'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new OperatorError(cls, `${what} ${shown(path)}: cannot read (${code})`);
  }
}

function convertFlagValue(f: FlagDescriptor, raw: string): unknown {
  const name = `--${f.flag}`;
  let text = raw;
  if (f.file && text.startsWith('@')) {
    if (text.startsWith('@@')) text = text.slice(1);
    else text = readTextFile(text.slice(1), `${name} @file`);
    if (f.kind === 'string') return text;
  }
  switch (f.kind) {
    case 'string':
      return text;
    case 'enum':
      if (f.choices && !f.choices.includes(text)) {
        throw usage(`${name} ${shown(text)}: expected one of ${f.choices.join('|')}`);
      }
      return text;
    case 'number': {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n)) throw usage(`${name} ${shown(text)}: expected a number`);
      return n;
    }
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw usage(`${name} ${shown(text)}: expected true or false`);
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw usage(`${name}: expected JSON text`);
      }
    case 'string-or-json': {
      const t = text.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) {
        try {
          return JSON.parse(text);
        } catch {
          return text;
        }
      }
      return text;
    }
  }
}

function parseArgv(argv: readonly string[], flags: readonly FlagDescriptor[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of flags)
    options[f.flag] = {
      type: f.flag === 'help' || f.flag === 'version' ? 'boolean' : 'string',
      ...(f.multiple ? { multiple: true } : {}),
    };
  options.help = { type: 'boolean', short: 'h' };
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | string[] | undefined
    >;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const m = /Unknown option '([^']*)'/.exec(message);
      throw usage(`unknown flag ${m?.[1] ?? ''} (see --help)`.replace('  ', ' '));
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const m = /Option '(-[^ ']*)/.exec(message);
      const flag = m?.[1] ?? 'a flag';
      if (/argument missing/.test(message)) throw usage(`${flag} needs a value`);
      if (/ambiguous/.test(message))
        throw usage(`${flag} needs a value (use ${flag}=VALUE for values starting with -)`);
      throw usage(`${flag}: ${message.split('\n')[0]}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const m = /Unexpected argument '([^']*)'/.exec(message);
      throw usage(`unexpected argument ${shown(m?.[1] ?? '')} (flags take the form --name VALUE)`);
    }
    throw usage(message.split('\n')[0] ?? 'bad command line');
  }
}

function describeIssue(issue: z.$ZodIssue): string {
  return issue.message.split('\n')[0] ?? 'invalid';
}

/** Reads parsed flag values: a flag's string value, and its env fallback (unset or empty: none). */
interface FlagReader {
  readonly str: (flag: string) => string | undefined;
  readonly fromEnv: (f: FlagDescriptor | undefined) => string | undefined;
  readonly byName: ReadonlyMap<string, FlagDescriptor>;
}

function flagReader(
  flags: readonly FlagDescriptor[],
  values: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): FlagReader {
  return {
    str: (flag) => {
      const v = values[flag];
      return typeof v === 'string' ? v : undefined;
    },
    fromEnv: (f) => {
      if (!f?.env) return undefined;
      const v = env[f.env];
      return v === undefined || v === '' ? undefined : v;
    },
    byName: new Map(flags.map((f) => [f.flag, f])),
  };
}

/**
 * Turns argv + env into a validated RunConfig (or a help/version request). Reads only `--kwargs-file` and `@file`
 * values. Every problem is an OperatorError with a one-line message (usage → 64, invalid kwargs-file data → 65).
 * Steps, in the order their errors win: help/version, the runner's own flags, DAG-file flags, kwargs.
 */
export function parseInvocation(
  definition: OperatorDefinition,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Invocation {
  const flags = buildCliFlags(definition);
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (beforeDashes.includes('--help') || beforeDashes.includes('-h')) return { kind: 'help' };
  if (beforeDashes.includes('--version')) return { kind: 'version' };
  const values = parseArgv(argv, flags);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const read = flagReader(flags, values, env);
  const base = parseRunnerFlags(definition, read);
  const dagFile = definition.dagFileMode ? parseDagFileFlags(flags, values) : undefined;
  if (dagFile) {
    const extra: Record<string, string | undefined> = {};
    for (const f of flags) if (f.group === 'extra') extra[f.flag] = read.str(f.flag) ?? read.fromEnv(f);
    return { kind: 'run', config: { ...base, kwargs: {}, extra, dagFile } };
  }
  const { kwargs, fromFlags, extra } = collectKwargs(flags, read);
  return {
    kind: 'run',
    config: { ...base, kwargs: validateKwargs(definition, kwargs, fromFlags, read.byName), extra },
  };
}

/** The runner's own flags (every operator has them): ids, date, engine, log format, grace period, folders. */
function parseRunnerFlags(definition: OperatorDefinition, read: FlagReader) {
  const { str, fromEnv, byName } = read;
  const taskId = str('task-id');
  if (taskId === undefined) throw usage('missing required flag --task-id');
  if (!ID_RE.test(taskId))
    throw usage(
      `--task-id ${shown(taskId)}: use letters, digits, '_', '-', '.' (max 250, no leading '.' or '-')`,
    );
  const dagId = str('dag-id') ?? taskId;
  if (!ID_RE.test(dagId))
    throw usage(
      `--dag-id ${shown(dagId)}: use letters, digits, '_', '-', '.' (max 250, no leading '.' or '-')`,
    );
  const dateText = str('execution-date');
  if (dateText === undefined) throw usage('missing required flag --execution-date');
  const executionDate = parseExecutionDate(dateText);
  const engine = parseEngine(definition, str('engine') ?? fromEnv(byName.get('engine')));

  const logFormatText = str('log-format') ?? fromEnv(byName.get('log-format'));
  if (logFormatText !== undefined && logFormatText !== 'json' && logFormatText !== 'pretty') {
    throw usage(`--log-format ${shown(logFormatText)}: expected json or pretty`);
  }
  const killGraceMs = parseKillGrace(str('kill-grace-period') ?? fromEnv(byName.get('kill-grace-period')));
  const connectionsDirGiven = str('connections-dir') ?? fromEnv(byName.get('connections-dir'));
  const outputsDir = str('outputs-dir');
  if (outputsDir !== undefined) checkOutputsDir(outputsDir);
  return {
    taskId,
    dagId,
    executionDate,
    engine,
    outputsDir,
    gcpProject: str('gcp-project') ?? fromEnv(byName.get('gcp-project')),
    connectionsDir: connectionsDirGiven ?? DEFAULT_CONNECTIONS_DIR,
    connectionsDirExplicit: connectionsDirGiven !== undefined,
    killGraceMs,
    logFormat: logFormatText as 'json' | 'pretty' | undefined,
  };
}

function parseEngine(definition: OperatorDefinition, engineText: string | undefined): Engine {
  const available = availableEngines(definition);
  if (engineText === undefined) {
    const first = available[0];
    if (!first) throw new OperatorError('configuration', `${definition.name} declares no usable engine`);
    return first;
  }
  if (engineText !== 'airflow' && engineText !== 'native') {
    throw usage(`--engine ${shown(engineText)}: expected airflow or native`);
  }
  if (!available.includes(engineText)) {
    throw usage(
      `--engine ${engineText}: not supported by ${definition.name} (supported: ${available.join(', ')})`,
    );
  }
  return engineText;
}

function parseKillGrace(graceText: string | undefined): number {
  if (graceText === undefined) return DEFAULT_KILL_GRACE_SECONDS * 1000;
  const n = Number(graceText);
  if (graceText.trim() === '' || !Number.isFinite(n) || n < 0 || n > 3600) {
    throw usage(`--kill-grace-period ${shown(graceText)}: expected seconds between 0 and 3600`);
  }
  return Math.round(n * 1000);
}

function checkOutputsDir(outputsDir: string): void {
  if (outputsDir === '') throw usage('--outputs-dir needs a value');
  try {
    if (!statSync(outputsDir).isDirectory())
      throw usage(`--outputs-dir ${shown(outputsDir)}: not a directory`);
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    // Absent is fine: it is created when the outputs are written.
  }
}

/** kwargs: `--kwargs-file` first, then the kwarg flags on top (`@file` values read); the extra flags' values. */
function collectKwargs(
  flags: readonly FlagDescriptor[],
  read: FlagReader,
): { kwargs: Record<string, unknown>; fromFlags: Set<string>; extra: Record<string, string | undefined> } {
  const { str, fromEnv } = read;
  let kwargs: Record<string, unknown> = {};
  const kwargsFile = str('kwargs-file');
  if (kwargsFile !== undefined) {
    const text = readTextFile(kwargsFile, '--kwargs-file');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OperatorError('invalid-input', `--kwargs-file ${shown(kwargsFile)}: not valid JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new OperatorError('invalid-input', `--kwargs-file ${shown(kwargsFile)}: must hold a JSON object`);
    }
    kwargs = { ...(parsed as Record<string, unknown>) };
  }
  const fromFlags = new Set<string>();
  const extra: Record<string, string | undefined> = {};
  for (const f of flags) {
    const raw = str(f.flag);
    if (f.group === 'kwarg' && f.kwarg) {
      if (raw !== undefined) {
        kwargs[f.kwarg] = convertFlagValue(f, raw);
        fromFlags.add(f.kwarg);
      } else if (
        f.file &&
        typeof kwargs[f.kwarg] === 'string' &&
        (kwargs[f.kwarg] as string).startsWith('@')
      ) {
        kwargs[f.kwarg] = convertFlagValue(f, kwargs[f.kwarg] as string);
      }
    } else if (f.group === 'extra') {
      extra[f.flag] = raw ?? fromEnv(f);
    }
  }
  return { kwargs, fromFlags, extra };
}

/** The kwargs through the operator's schema; a problem names the flag when it came from one (64), else 65. */
function validateKwargs(
  definition: OperatorDefinition,
  kwargs: Record<string, unknown>,
  fromFlags: ReadonlySet<string>,
  byName: ReadonlyMap<string, FlagDescriptor>,
): Record<string, unknown> {
  // A key the schema does not know is almost always a typo: refuse it instead of silently dropping it.
  const known = new Set(Object.keys(definition.kwargs._zod.def.shape as Record<string, unknown>));
  const unknown = Object.keys(kwargs).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new OperatorError(
      'invalid-input',
      `--kwargs-file: unknown kwarg(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} (see --help)`,
    );
  }

  const result = safeParse(definition.kwargs, kwargs);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (!issue) throw new OperatorError('invalid-input', 'invalid kwargs');
    const key = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    const flag = key !== undefined ? byName.get(key.replaceAll('_', '-')) : undefined;
    const missing = key !== undefined && kwargs[key] === undefined;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      throw new OperatorError('invalid-input', `unknown kwarg(s) in --kwargs-file: ${keys.join(', ')}`);
    }
    if (missing && flag)
      throw usage(`missing required flag --${flag.flag} (or kwarg ${key} in --kwargs-file)`);
    const where = key === undefined ? 'kwargs' : flag ? `--${flag.flag}` : `kwarg ${key}`;
    const sub = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join('.')})` : '';
    const message = `${where}${sub}: ${describeIssue(issue)}`;
    throw key !== undefined && fromFlags.has(key)
      ? usage(message)
      : new OperatorError('invalid-input', message);
  }
  return result.data as Record<string, unknown>;
}

/**
 * DAG-file mode's flags: undefined without `--dag-file` (then `--xcom-in`/`--try-number` are refused). With it, no
 * kwarg flag nor `--kwargs-file` (64), `--dag-id` required (64), the file must be readable (78), `--xcom-in` values
 * must be xcom outputs (65).
 */
function parseDagFileFlags(
  flags: readonly FlagDescriptor[],
  values: Readonly<Record<string, string | boolean | string[] | undefined>>,
): DagFileRun | undefined {
  const path = values['dag-file'];
  const xcomIn = values['xcom-in'];
  const tryText = values['try-number'];
  if (typeof path !== 'string') {
    const stray = xcomIn !== undefined ? '--xcom-in' : tryText !== undefined ? '--try-number' : undefined;
    if (stray) throw usage(`${stray} needs --dag-file (DAG-file mode)`);
    return undefined;
  }
  const conflicting = flags.find(
    (f) => (f.group === 'kwarg' || f.flag === 'kwargs-file') && values[f.flag] !== undefined,
  );
  if (conflicting) {
    throw usage(
      `--dag-file cannot be combined with --${conflicting.flag} (the DAG file names its own operators)`,
    );
  }
  if (typeof values['dag-id'] !== 'string') throw usage('missing required flag --dag-id (with --dag-file)');
  if (path === '') throw usage('--dag-file needs a value');
  let tryNumber = 0;
  if (typeof tryText === 'string') {
    tryNumber = Number(tryText);
    if (tryText.trim() === '' || !Number.isInteger(tryNumber) || tryNumber < 0 || tryNumber > 10_000) {
      throw usage(`--try-number ${shown(tryText)}: expected a whole number from 0`);
    }
  }
  const absolute = resolve(path);
  try {
    if (!statSync(absolute).isFile()) {
      throw new OperatorError('configuration', `--dag-file ${shown(path)}: not a file`);
    }
    accessSync(absolute, constants.R_OK);
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new OperatorError('configuration', `--dag-file ${shown(path)}: cannot read (${code})`);
  }
  return { path: absolute, xcomIn: parseXcomIn(Array.isArray(xcomIn) ? xcomIn : []), tryNumber };
}
