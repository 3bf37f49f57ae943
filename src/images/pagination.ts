import { badRequest } from '../errors.js';
import type { Cursor, Page } from './images-repo.js';

export const PAGE_SIZE = 48;
const MAX_PAGE = 1_000_000;

export type PageRequest = { page: number; cursor: Cursor };

function positiveInteger(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw badRequest(`"${name}" must be a whole number from 1 up.`);
  }
  return Number(raw);
}

/**
 * `?page=N` alone is an offset (fine for the first pages someone types); the Newer/Older links
 * carry a keyset cursor (`before`/`after` = an image's seq), which costs the same at any depth.
 */
export function parsePageRequest(query: Record<string, unknown>): PageRequest {
  const page = Math.min(positiveInteger(query.page, 'page') ?? 1, MAX_PAGE);
  const before = positiveInteger(query.before, 'before');
  const after = positiveInteger(query.after, 'after');
  if (before !== undefined && after !== undefined) throw badRequest('Use "before" or "after", not both.');
  if (before !== undefined) return { page, cursor: { before } };
  if (after !== undefined) return { page, cursor: { after } };
  return { page, cursor: { offset: (page - 1) * PAGE_SIZE } };
}

/** How many a list holds: exactly, or (`exact: false`) more than `total`. */
export type Total = { total: number; exact: boolean };

/** `total` is exact unless `totalExact` is false: then there are more than `total`, and `pages` is unknown (null). */
export type Pagination = { page: number; pages: number | null; total: number; totalExact: boolean; newer?: string; older?: string };

/** Page links that keep the other query parameters (the search query). */
export function paginate(
  request: PageRequest,
  result: Page,
  count: Total,
  base: string,
  params: Record<string, string> = {},
): Pagination {
  const { total, exact } = count;
  const pages = exact ? Math.max(1, Math.ceil(total / PAGE_SIZE)) : null;
  const page = pages === null ? request.page : Math.min(request.page, pages);
  const href = (extra: Record<string, string | number>) => {
    const query = new URLSearchParams({ ...params, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) });
    const text = query.toString();
    return text ? `${base}?${text}` : base;
  };
  const first = result.images[0];
  const last = result.images.at(-1);
  return {
    page,
    pages,
    total,
    totalExact: exact,
    newer: result.hasNewer ? (page <= 2 || !first ? href({}) : href({ page: page - 1, after: first.seq })) : undefined,
    older: result.hasOlder && last ? href({ page: page + 1, before: last.seq }) : undefined,
  };
}
