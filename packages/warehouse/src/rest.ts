import { invalid } from './errors.js';
import type { TimestampFormat } from './types.js';

/** REST request/response helpers shared by every resource: body parsing, integer parameters, etags. */

export type Json = Record<string, unknown>;

/** The one location this warehouse reports. */
export const LOCATION = 'US';

export const asObject = (v: unknown, what: string): Json => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${what} must be an object.`);
  return v as Json;
};
export const optString = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${what} must be a string.`);
  return v;
};

export function clampInt(text: string, what: string, min: number, max: number): number {
  if (!/^\d{1,15}$/.test(text)) throw invalid(`Invalid value for ${what}: must be a non-negative integer.`);
  return Math.min(Math.max(Number(text), min), max);
}

export function etag(n: number): string {
  return Buffer.from(String(n)).toString('base64');
}

/** Timestamp encoding the client asked for (query string or formatOptions). */
export function timestampFormatOf(useInt64?: string, outputFormat?: string): TimestampFormat {
  if (outputFormat === 'ISO8601_STRING') return 'iso';
  if (outputFormat === 'INT64' || useInt64 === 'true') return 'int64';
  return 'float';
}
