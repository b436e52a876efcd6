import { SqlError } from './errors.js';

export type Dialect = 'standard' | 'legacy';

const PREFIX = /^(\s*)#(standardsql|legacysql)[ \t]*(\r?\n|$)/i;

/**
 * Picks the dialect from BigQuery's `useLegacySql` flag and the optional `#standardSQL` / `#legacySQL` first line
 * (case-insensitive, leading whitespace allowed). The prefix text is removed (its line break stays).
 * Without flag and prefix the REST API's default applies: legacy SQL. A prefix that contradicts an explicit flag is
 * rejected as BigQuery does.
 */
export function detectDialect(sql: string, useLegacySql?: boolean): { dialect: Dialect; sql: string } {
  const m = PREFIX.exec(sql);
  if (!m) return { dialect: useLegacySql === false ? 'standard' : 'legacy', sql };
  const fromText: Dialect = (m[2] as string).toLowerCase() === 'standardsql' ? 'standard' : 'legacy';
  if (useLegacySql !== undefined && (useLegacySql ? 'legacy' : 'standard') !== fromText) {
    throw new SqlError(
      'invalid',
      `Query text specifies use_legacy_sql:${fromText === 'legacy'}, while API options specify:${useLegacySql}`,
    );
  }
  // drop the prefix text but keep its line break, so line numbers in error messages still match the user's text
  const lead = m[1] ?? '';
  return {
    dialect: fromText,
    sql: lead + sql.slice(lead.length + 1 + (m[2] as string).length).replace(/^[ \t]*/, ''),
  };
}
