import { ArgparseError } from './errors.js';
import { type ParsedDate, parseLenientDate } from './naive-date.js';

/** Subcommands of 1.8.2's parser, in its order (reference §1.1). */
export const SUBCOMMANDS = [
  'backfill',
  'list_tasks',
  'clear',
  'pause',
  'unpause',
  'trigger_dag',
  'pool',
  'variables',
  'kerberos',
  'render',
  'run',
  'initdb',
  'list_dags',
  'dag_state',
  'task_failed_deps',
  'task_state',
  'serve_logs',
  'test',
  'webserver',
  'resetdb',
  'upgradedb',
  'scheduler',
  'worker',
  'flower',
  'version',
  'connections',
] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

export interface OptionSpec {
  readonly flags: readonly string[];
  readonly dest: string;
  readonly kind: 'flag' | 'value';
  readonly type?: 'date';
  readonly help: string;
}

export interface CommandSpec {
  readonly options: readonly OptionSpec[];
  readonly positionals: readonly { dest: string; help: string }[];
}

const opt = (
  flags: string[],
  dest: string,
  kind: 'flag' | 'value',
  help: string,
  type?: 'date',
): OptionSpec => (type ? { flags, dest, kind, help, type } : { flags, dest, kind, help });

export const COMMANDS: Partial<Record<Subcommand, CommandSpec>> = {
  backfill: {
    options: [
      opt(['-t', '--task_regex'], 'task_regex', 'value', 'regex selecting the tasks (and their upstream)'),
      opt(['-s', '--start_date'], 'start_date', 'value', 'first execution date', 'date'),
      opt(['-e', '--end_date'], 'end_date', 'value', 'last execution date (inclusive)', 'date'),
      opt(
        ['-m', '--mark_success'],
        'mark_success',
        'flag',
        'mark task instances successful without running them',
      ),
      opt(['-l', '--local'], 'local', 'flag', 'use the LocalExecutor'),
      opt(['-x', '--donot_pickle'], 'donot_pickle', 'flag', 'do not pickle the DAG'),
      opt(['-a', '--include_adhoc'], 'include_adhoc', 'flag', 'include adhoc tasks'),
      opt(
        ['-i', '--ignore_dependencies'],
        'ignore_dependencies',
        'flag',
        'skip upstream tasks and task deps',
      ),
      opt(
        ['-I', '--ignore_first_depends_on_past'],
        'ignore_first_depends_on_past',
        'flag',
        'ignore depends_on_past for the first date',
      ),
      opt(['-sd', '--subdir'], 'subdir', 'value', 'file or folder to load DAGs from'),
      opt(['--pool'], 'pool', 'value', 'pool to use'),
      opt(['-dr', '--dry_run'], 'dry_run', 'flag', 'render and list, run nothing'),
    ],
    positionals: [{ dest: 'dag_id', help: 'the id of the dag to run' }],
  },
  connections: {
    options: [
      opt(['-l', '--list'], 'list_connections', 'flag', 'list all connections'),
      opt(['-a', '--add'], 'add_connection', 'flag', 'add a connection'),
      opt(['-d', '--delete'], 'delete_connection', 'flag', 'delete a connection'),
      opt(['--conn_id'], 'conn_id', 'value', 'connection id (add/delete)'),
      opt(['--conn_uri'], 'conn_uri', 'value', 'connection URI (add)'),
      opt(['--conn_extra'], 'conn_extra', 'value', 'connection extra JSON (add)'),
    ],
    positionals: [],
  },
  initdb: { options: [], positionals: [] },
  list_dags: {
    options: [
      opt(['-sd', '--subdir'], 'subdir', 'value', 'file or folder to load DAGs from'),
      opt(['-r', '--report'], 'report', 'flag', 'show DagBag loading report'),
    ],
    positionals: [],
  },
  version: { options: [], positionals: [] },
};

export type ParsedValue = string | boolean | ParsedDate | undefined;
export type ParsedArgs =
  | { readonly help: true; readonly text: string }
  | {
      readonly help: false;
      readonly subcommand: Subcommand;
      readonly values: Readonly<Record<string, ParsedValue>>;
    };

const WIDTH = 78;

function wrapUsage(prefix: string, parts: readonly string[]): string {
  const lines: string[] = [];
  let line = prefix;
  const indent = ' '.repeat(prefix.length);
  for (const part of parts) {
    if (line.length + 1 + part.length > WIDTH && line.trim() !== prefix.trim()) {
      lines.push(line);
      line = indent + part;
    } else {
      line = `${line} ${part}`;
    }
  }
  lines.push(line);
  return `${lines.join('\n')}\n`;
}

const metavar = (o: OptionSpec): string => o.dest.toUpperCase();

export function topUsage(): string {
  return wrapUsage('usage: airflow', ['[-h]', `{${SUBCOMMANDS.join(',')}}`, '...']);
}

export function commandUsage(sub: string, spec: CommandSpec): string {
  const parts = ['[-h]'];
  for (const o of spec.options)
    parts.push(o.kind === 'flag' ? `[${o.flags[0]}]` : `[${o.flags[0]} ${metavar(o)}]`);
  for (const p of spec.positionals) parts.push(p.dest);
  return wrapUsage(`usage: airflow ${sub}`, parts);
}

function commandHelp(sub: string, spec: CommandSpec): string {
  const out = [commandUsage(sub, spec)];
  if (spec.positionals.length) {
    out.push('positional arguments:');
    for (const p of spec.positionals) out.push(`  ${p.dest.padEnd(22)}${p.help}`);
    out.push('');
  }
  out.push('optional arguments:', `  ${'-h, --help'.padEnd(22)}show this help message and exit`);
  for (const o of spec.options) {
    const names = o.flags.map((f) => (o.kind === 'flag' ? f : `${f} ${metavar(o)}`)).join(', ');
    out.push(names.length > 20 ? `  ${names}\n${' '.repeat(24)}${o.help}` : `  ${names.padEnd(22)}${o.help}`);
  }
  return `${out.join('\n')}\n`;
}

function topHelp(): string {
  return `${topUsage()}\npositional arguments:\n  {${SUBCOMMANDS.join(',')}}\n\noptional arguments:\n  -h, --help            show this help message and exit\n`;
}

const looksLikeOption = (s: string): boolean =>
  s.startsWith('-') && s !== '-' && !/^-\d+$|^-\d*\.\d+$/.test(s);

/**
 * argparse as 1.8.2's `airflow` uses it: exact and abbreviated long options, `--opt=value`, `-sVALUE`, combined
 * short flags, `--`, required positionals, type errors (`invalid parse value`), and unrecognised arguments reported by
 * the top-level parser.
 */
export function parseArgv(argv: readonly string[]): ParsedArgs {
  const topError = (msg: string) => new ArgparseError('airflow', topUsage(), msg);
  const unrecognized: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help' || (a.startsWith('--') && '--help'.startsWith(a) && a.length > 2)) {
      return { help: true, text: topHelp() };
    }
    if (a === '--') {
      i++;
      break;
    }
    if (!looksLikeOption(a)) break;
    unrecognized.push(a);
  }
  const subArg = argv[i];
  if (subArg === undefined) throw topError('the following arguments are required: subcommand');
  if (!(SUBCOMMANDS as readonly string[]).includes(subArg)) {
    throw topError(
      `argument subcommand: invalid choice: '${subArg}' (choose from ${SUBCOMMANDS.map((s) => `'${s}'`).join(', ')})`,
    );
  }
  const sub = subArg as Subcommand;
  const spec = COMMANDS[sub] ?? { options: [], positionals: [] };
  const usage = commandUsage(sub, spec);
  const subError = (msg: string) => new ArgparseError(`airflow ${sub}`, usage, msg);
  const values: Record<string, ParsedValue> = {};
  const positionals: string[] = [];
  const all = spec.options.flatMap((o) => o.flags.map((f) => [f, o] as const));
  const byFlag = new Map(all);
  const name = (o: OptionSpec) => o.flags.join('/');

  const convert = (o: OptionSpec, raw: string): ParsedValue => {
    if (o.type !== 'date') return raw;
    const d = parseLenientDate(raw);
    if (!d) throw subError(`argument ${name(o)}: invalid parse value: '${raw}'`);
    return d;
  };

  const rest = argv.slice(i + 1);
  let onlyPositionals = false;
  for (let j = 0; j < rest.length; j++) {
    const a = rest[j]!;
    if (onlyPositionals || !looksLikeOption(a)) {
      positionals.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositionals = true;
      continue;
    }
    if (a === '-h' || a === '--help' || (a.startsWith('--') && a.length > 2 && '--help'.startsWith(a))) {
      return { help: true, text: commandHelp(sub, spec) };
    }
    let option: OptionSpec | undefined;
    let explicit: string | undefined;
    const eq = a.indexOf('=');
    const head = eq >= 0 ? a.slice(0, eq) : a;
    if (byFlag.has(a)) {
      option = byFlag.get(a);
    } else if (eq >= 0 && byFlag.has(head)) {
      option = byFlag.get(head);
      explicit = a.slice(eq + 1);
    } else {
      // argparse's _get_option_tuples: abbreviations, and `-sVALUE` for single-dash options.
      const tuples: [string, OptionSpec, string | undefined][] = [];
      if (a.startsWith('--')) {
        for (const [f, o] of all)
          if (f.startsWith(head)) tuples.push([f, o, eq >= 0 ? a.slice(eq + 1) : undefined]);
      } else {
        for (const [f, o] of all) {
          if (f === a.slice(0, 2)) tuples.push([f, o, a.slice(2)]);
          else if (f.startsWith(a)) tuples.push([f, o, undefined]);
        }
      }
      if (tuples.length > 1) {
        throw subError(`ambiguous option: ${a} could match ${tuples.map((t) => t[0]).join(', ')}`);
      }
      if (tuples[0]) {
        option = tuples[0][1];
        explicit = tuples[0][2];
      }
    }
    if (!option) {
      unrecognized.push(a);
      continue;
    }
    if (option.kind === 'flag') {
      values[option.dest] = true;
      // Combined short flags (-mi): argparse reads the remaining characters as further single-dash options.
      let chars = explicit;
      while (chars !== undefined && chars !== '') {
        const next = byFlag.get(`-${chars[0]}`);
        if (!next || !/^-\w$/.test(`-${chars[0]}`)) {
          throw subError(`argument ${name(option)}: ignored explicit argument '${chars}'`);
        }
        if (next.kind === 'value') {
          const v = chars.slice(1);
          if (v === '') {
            const n = rest[j + 1];
            if (n === undefined || looksLikeOption(n))
              throw subError(`argument ${name(next)}: expected one argument`);
            values[next.dest] = convert(next, n);
            j++;
          } else {
            values[next.dest] = convert(next, v);
          }
          chars = undefined;
        } else {
          values[next.dest] = true;
          option = next;
          chars = chars.slice(1);
        }
      }
      continue;
    }
    if (explicit !== undefined) {
      values[option.dest] = convert(option, explicit);
      continue;
    }
    const n = rest[j + 1];
    if (n === undefined || (looksLikeOption(n) && !onlyPositionals)) {
      throw subError(`argument ${name(option)}: expected one argument`);
    }
    values[option.dest] = convert(option, n);
    j++;
  }
  const wanted = spec.positionals.map((p) => p.dest);
  const missing = wanted.slice(positionals.length);
  if (missing.length) throw subError(`the following arguments are required: ${missing.join(', ')}`);
  wanted.forEach((dest, k) => {
    values[dest] = positionals[k];
  });
  if (COMMANDS[sub]) unrecognized.push(...positionals.slice(wanted.length));
  if (unrecognized.length) throw topError(`unrecognized arguments: ${unrecognized.join(' ')}`);
  for (const o of spec.options)
    if (!(o.dest in values)) values[o.dest] = o.kind === 'flag' ? false : undefined;
  return { help: false, subcommand: sub, values };
}
