import * as z from 'zod/mini';

/** A BigQuery JSON schema field (the `bq`/REST format), nested RECORDs included. */
export interface SchemaField {
  name: string;
  type: string;
  mode?: string | undefined;
  description?: string | undefined;
  fields?: SchemaField[] | undefined;
}

const TYPES = [
  'STRING',
  'BYTES',
  'INTEGER',
  'INT64',
  'FLOAT',
  'FLOAT64',
  'NUMERIC',
  'BIGNUMERIC',
  'BOOLEAN',
  'BOOL',
  'TIMESTAMP',
  'DATE',
  'TIME',
  'DATETIME',
  'GEOGRAPHY',
  'JSON',
  'RECORD',
  'STRUCT',
] as const;

const fieldSchema: z.ZodMiniType<SchemaField> = z.lazy(() =>
  z
    .strictObject({
      name: z
        .string()
        .check(
          z.regex(
            /^[A-Za-z_][A-Za-z0-9_]{0,299}$/,
            'column names are letters, digits and _, not starting with a digit',
          ),
        ),
      type: z.pipe(
        z.pipe(
          z.string(),
          z.transform((t: string) => t.toUpperCase()),
        ),
        z.enum(TYPES),
      ),
      mode: z.optional(
        z.pipe(
          z.pipe(
            z.string(),
            z.transform((m: string) => m.toUpperCase()),
          ),
          z.enum(['NULLABLE', 'REQUIRED', 'REPEATED']),
        ),
      ),
      description: z.optional(z.string().check(z.maxLength(1024))),
      fields: z.optional(z.array(fieldSchema)),
    })
    .check(
      z.superRefine((f, ctx) => {
        const record = f.type === 'RECORD' || f.type === 'STRUCT';
        if (record && (!f.fields || f.fields.length === 0)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields'],
            message: `${f.type} column ${f.name} needs fields`,
          });
        }
        if (!record && f.fields) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields'],
            message: `${f.type} column ${f.name} cannot have fields`,
          });
        }
      }),
    ),
);

const schemaDoc = z.union([
  z.array(fieldSchema),
  z.object({ fields: z.array(fieldSchema) }),
  z.object({ schema: z.object({ fields: z.array(fieldSchema) }) }),
]);

export class SchemaError extends Error {
  override name = 'SchemaError';
}

function checkDuplicates(fields: readonly SchemaField[], prefix: string): void {
  const seen = new Set<string>();
  for (const f of fields) {
    const key = f.name.toLowerCase();
    if (seen.has(key))
      throw new SchemaError(`duplicate column ${prefix}${f.name} (names are case-insensitive)`);
    seen.add(key);
    if (f.fields) checkDuplicates(f.fields, `${prefix}${f.name}.`);
  }
}

/** Parses BigQuery JSON schema text: `[fields…]`, `{"fields": […]}` or a table resource `{"schema": {"fields": […]}}`. */
export function parseSchema(text: string): SchemaField[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SchemaError(`schema is not valid JSON (${(err as Error).message})`);
  }
  const r = schemaDoc.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new SchemaError(`schema is not a BigQuery JSON schema${where}: ${issue?.message ?? 'invalid'}`);
  }
  const fields = Array.isArray(r.data) ? r.data : 'fields' in r.data ? r.data.fields : r.data.schema.fields;
  if (fields.length === 0) throw new SchemaError('schema has no columns');
  checkDuplicates(fields, '');
  return fields;
}

const TYPE_ALIASES: Record<string, string> = {
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  BOOL: 'BOOLEAN',
  STRUCT: 'RECORD',
};
const canonType = (t: string): string => TYPE_ALIASES[t.toUpperCase()] ?? t.toUpperCase();
const canonMode = (m: string | undefined): string => (m ?? 'NULLABLE').toUpperCase();

/**
 * Differences between an existing table's schema and the wanted one, as `path: what` strings (empty = same).
 * Column names compare case-insensitively and type aliases (INT64/INTEGER, …) are equal; descriptions are ignored.
 */
export function diffSchemas(
  existing: readonly SchemaField[],
  wanted: readonly SchemaField[],
  prefix = '',
): string[] {
  const out: string[] = [];
  const byName = new Map(existing.map((f) => [f.name.toLowerCase(), f]));
  const wantedNames = new Set(wanted.map((f) => f.name.toLowerCase()));
  for (const w of wanted) {
    const e = byName.get(w.name.toLowerCase());
    const path = `${prefix}${w.name}`;
    if (!e) {
      out.push(`${path}: missing in the existing table`);
      continue;
    }
    if (canonType(e.type) !== canonType(w.type)) {
      out.push(`${path}: type ${canonType(e.type)} in the table, ${canonType(w.type)} wanted`);
    } else if (canonMode(e.mode) !== canonMode(w.mode)) {
      out.push(`${path}: mode ${canonMode(e.mode)} in the table, ${canonMode(w.mode)} wanted`);
    }
    if (canonType(e.type) === 'RECORD' && canonType(w.type) === 'RECORD') {
      out.push(...diffSchemas(e.fields ?? [], w.fields ?? [], `${path}.`));
    }
  }
  for (const e of existing) {
    if (!wantedNames.has(e.name.toLowerCase())) out.push(`${prefix}${e.name}: not in the wanted schema`);
  }
  return out;
}
