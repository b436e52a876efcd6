/**
 * How `dp run -v` shows a step's output lines. The operator bins log one JSON record per line (pino: level, time,
 * msg, fields); on a terminal a person reads them better as `time LEVEL step  message  key=value …`. Piped, or with
 * `--log-format json`, the lines pass through untouched so tools can parse them. Lines that are not such records
 * (Airflow's own output, a crash) are shown as they are.
 */

export type LogFormat = 'pretty' | 'json';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every record of a step repeats (the step's identity) or that the layout already shows. */
const QUIET_FIELDS = new Set([
  'level',
  'time',
  'msg',
  'pid',
  'hostname',
  'task_id',
  'dag_id',
  'operator',
  'version',
  'src',
]);

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One step output line as `dp run -v` prints it (without the trailing newline). */
export function formatStepLine(node: string, line: string, format: LogFormat): string {
  if (format === 'json' || !line.startsWith('{')) return `${node} | ${line}`;
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `${node} | ${line}`;
    record = parsed as Record<string, unknown>;
  } catch {
    return `${node} | ${line}`;
  }
  if (typeof record.level !== 'number' || typeof record.msg !== 'string') return `${node} | ${line}`;
  const time = typeof record.time === 'number' ? clock(record.time) : '--:--:--.---';
  const level = (LEVELS[record.level] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([k, v]) => !QUIET_FIELDS.has(k) && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  const [first = '', ...rest] = record.msg.split('\n');
  const head = [`${time} ${level} ${node}`, first, ...fields].filter(Boolean).join('  ');
  // A multi-line message (SQL, a traceback) keeps its lines, indented under the record.
  return [head, ...rest.map((l) => `    ${l}`)].join('\n');
}

/** `--log-format` as given (auto: pretty on a terminal, json otherwise); undefined for anything else. */
export function resolveLogFormat(flag: string, isTTY: boolean): LogFormat | undefined {
  if (flag === 'auto') return isTTY ? 'pretty' : 'json';
  return flag === 'pretty' || flag === 'json' ? flag : undefined;
}
