import { invalid } from './errors.js';
import { clampInt } from './rest.js';

/** Page sizes of row listings (tabledata.list, query results): the default and the cap on maxResults. */
export interface Paging {
  pageSize: number;
  maxPageSize: number;
}

export const DEFAULT_PAGE = 10_000;
export const MAX_PAGE = 100_000;

/** A page of an in-memory listing (datasets, tables, jobs): numeric page tokens, at most 10,000 items. */
export function pageOf<T>(
  all: T[],
  q: { maxResults?: string; pageToken?: string },
): { items: T[]; next?: string } {
  const limit = q.maxResults !== undefined ? clampInt(q.maxResults, 'maxResults', 1, 10_000) : 1000;
  let offset = 0;
  if (q.pageToken) {
    if (!/^\d{1,9}$/.test(q.pageToken)) throw invalid('Invalid page token.');
    offset = Number(q.pageToken);
  }
  const items = all.slice(offset, offset + limit);
  const next = offset + limit < all.length ? String(offset + limit) : undefined;
  return next ? { items, next } : { items };
}

/** Offset and limit of a row page: pageToken (an offset) wins over startIndex; maxResults 0 means the default. */
export function pageParams(
  q: { maxResults?: string; pageToken?: string; startIndex?: string },
  paging: Paging,
): { offset: number; limit: number } {
  const limit =
    q.maxResults !== undefined
      ? clampInt(q.maxResults, 'maxResults', 0, paging.maxPageSize)
      : paging.pageSize;
  let offset = 0;
  if (q.pageToken !== undefined && q.pageToken !== '') {
    if (!/^\d{1,15}$/.test(q.pageToken)) throw invalid('Invalid page token.');
    offset = Number(q.pageToken);
  } else if (q.startIndex !== undefined) {
    offset = clampInt(q.startIndex, 'startIndex', 0, Number.MAX_SAFE_INTEGER);
  }
  return { offset, limit: limit === 0 ? paging.pageSize : limit };
}
