/** Output formats of `dp query`: an aligned text table, JSON (an array of row objects) or CSV (RFC 4180). */
import type { QueryResult } from './warehouse.js';

function text(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export type RowFormat = 'table' | 'json' | 'csv';

export function formatRows(result: QueryResult, format: RowFormat): string {
  if (format === 'json') return `${JSON.stringify(result.rows, null, 2)}\n`;
  if (format === 'csv')
    return `${[result.fields.map(csvCell).join(','), ...result.rows.map((r) => result.fields.map((f) => csvCell(r[f])).join(','))].join('\r\n')}\r\n`;
  const cells = [
    result.fields,
    ...result.rows.map((r) => result.fields.map((f) => text(r[f]).replace(/\s+/g, ' '))),
  ];
  const widths = result.fields.map((_, i) => Math.min(60, Math.max(...cells.map((row) => row[i]!.length))));
  const line = (row: string[]) =>
    row
      .map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  return `${[line(cells[0]!), sep, ...cells.slice(1).map(line)].join('\n')}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`;
}
