import { invalid } from './errors.js';

/**
 * BigQuery's naming rules, checked before any name reaches SQL or the catalog. Physical DuckDB names never derive from
 * these (tables are stored as bq."t<N>"), so this is about answering like BigQuery, and a second line of defence.
 * Project ids: 6-30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen,
 * optionally behind a domain scope (`example.com:my-project`).
 */
const PROJECT_RE = /^(?:[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET_RE = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_RE = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]+$/u;
const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const JOB_RE = /^[A-Za-z0-9_-]{1,1024}$/;
const LABEL_KEY_RE = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE_RE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const PARTITION_RE = /^(\d{4})(\d{2})(\d{2})$/;

export function checkProjectId(id: string): string {
  if (!PROJECT_RE.test(id)) throw invalid(`Invalid project ID '${clip(id)}'.`);
  return id;
}

export function checkDatasetId(id: string): string {
  if (!DATASET_RE.test(id)) {
    throw invalid(
      `Invalid dataset ID "${clip(id)}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
    );
  }
  return id;
}

export function checkTableId(id: string): string {
  if (!TABLE_RE.test(id) || Buffer.byteLength(id) > 1024 || id.trim() !== id) {
    throw invalid(
      `Invalid table ID "${clip(id)}". Table IDs must be alphanumeric (plus underscores, dashes and spaces) and must be at most 1024 characters long.`,
    );
  }
  return id;
}

const RESERVED_FIELD_PREFIXES = [
  '_TABLE_',
  '_FILE_',
  '_PARTITION',
  '_ROW_TIMESTAMP',
  '__ROOT__',
  '_COLIDENTIFIER',
];

export function checkFieldName(name: string): string {
  if (!FIELD_RE.test(name)) {
    throw invalid(
      `Invalid field name "${clip(name)}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`,
    );
  }
  const upper = name.toUpperCase();
  if (RESERVED_FIELD_PREFIXES.some((p) => upper.startsWith(p))) {
    throw invalid(`Invalid field name "${clip(name)}". Field names cannot start with a reserved prefix.`);
  }
  return name;
}

export function checkJobId(id: string): string {
  if (!JOB_RE.test(id)) {
    throw invalid(
      `Invalid job ID "${clip(id)}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
    );
  }
  return id;
}

export function checkLabels(labels: unknown): Record<string, string> | undefined {
  if (labels === undefined || labels === null) return undefined;
  if (typeof labels !== 'object' || Array.isArray(labels)) throw invalid('labels must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (!LABEL_KEY_RE.test(k)) throw invalid(`Invalid label key "${clip(k)}".`);
    const value = v === null ? '' : v;
    if (typeof value !== 'string' || !LABEL_VALUE_RE.test(value)) {
      throw invalid(`Invalid label value for key "${clip(k)}".`);
    }
    out[k] = value;
  }
  return out;
}

/**
 * A table id as the REST API takes it in a path or a table reference: a valid table id, optionally with a partition
 * decorator `$YYYYMMDD` (a real date), `$__UNPARTITIONED__` or `$__NULL__`. Wildcards (`prefix*`) exist only inside
 * SQL, so `*` is refused here like any other character outside the table-id rules.
 */
export function checkTableRefId(id: string): string {
  const { table, decorator } = splitDecorator(id);
  checkTableId(table);
  if (decorator !== undefined && decorator !== '__UNPARTITIONED__' && decorator !== '__NULL__') {
    partitionDate(decorator);
  }
  return id;
}

/** Splits `table$decorator` (the REST API takes decorators in the table id). */
export function splitDecorator(tableId: string): { table: string; decorator?: string } {
  const i = tableId.indexOf('$');
  if (i < 0) return { table: tableId };
  return { table: tableId.slice(0, i), decorator: tableId.slice(i + 1) };
}

/** A `YYYYMMDD` partition id → its UTC date text `YYYY-MM-DD`, validated as a real date. */
export function partitionDate(partitionId: string): string {
  const m = PARTITION_RE.exec(partitionId);
  if (m) {
    const iso = `${m[1]}-${m[2]}-${m[3]}`;
    const d = new Date(`${iso}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso)) return iso;
  }
  throw invalid(`Invalid partition decorator "$${clip(partitionId)}": expected $YYYYMMDD.`);
}

function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
}
