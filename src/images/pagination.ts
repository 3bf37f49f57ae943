import { badRequest } from '../errors.js';
import type { Sealer } from '../web/sealed.js';
import type { Cursor, ImageRecord, Order, Page } from './images-repo.js';

export const PAGE_SIZE = 48;
/**
 * A typed `?page=N` is an offset, and a search reads offset + one page per term: past this depth the cost
 * of one request grows with N (a 50-term search 2,000 pages deep held the event loop for 290 ms), so deeper
 * pages are reached only by the Older links, whose keyset cursors cost the same at any depth.
 */
export const MAX_TYPED_PAGE = 10;
const MAX_PAGE_LABEL = 1_000_000_000;

/** A list's orders: a search also has best match first (its default), which only a search can rank. */
export type PageOrder = Order | 'relevance';
export type PageRequest = { page: number; cursor: Cursor; order: PageOrder };
type Lists = { ranked?: boolean };

/**
 * `?sort=newest` (or `uploaded`) lists newest uploads first, `?sort=taken` by date taken, and in a search
 * `?sort=relevance` best match first; nothing named is a list's default; anything else is refused.
 */
export function parseOrder(raw: unknown, { ranked = false }: Lists = {}): PageOrder {
  if (raw === undefined || raw === '') return ranked ? 'relevance' : 'uploaded';
  if (raw === 'newest' || raw === 'uploaded') return 'uploaded';
  if (raw === 'taken') return 'taken';
  if (ranked && raw === 'relevance') return 'relevance';
  throw badRequest(ranked ? '"sort" is "relevance", "newest" or "taken".' : '"sort" is "newest" or "taken".');
}

function pageNumber(raw: unknown): number {
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw) || Number(raw) < 1) throw badRequest('"page" must be a whole number from 1 up.');
  return Math.min(Number(raw), MAX_PAGE_LABEL);
}

/**
 * A cursor is an image's place sealed for the browser (links must not show where other users' private images
 * sit): its seq, by date taken [seq, shotAt], best match first [seq, score in millionths].
 */
function openCursor(raw: unknown, cursors: Sealer, order: PageOrder): { seq: number; at?: number } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = typeof raw === 'string' ? cursors.open(raw) : undefined;
  const keyed = order !== 'uploaded';
  const [seq, at] = keyed ? (Array.isArray(value) && value.length === 2 ? value : []) : [value, 0];
  if (!isPosition(seq) || !Number.isSafeInteger(at)) {
    throw badRequest('This page link is broken or out of date. Start again from the first page.');
  }
  return keyed ? { seq, at } : { seq };
}

const isPosition = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * `?page=N` alone is an offset (fine for the first pages someone types); the Newer/Older links
 * carry a keyset cursor (`before`/`after` = a sealed seq), which costs the same at any depth.
 */
export function parsePageRequest(query: Record<string, unknown>, cursors: Sealer, lists: Lists = {}): PageRequest {
  const page = pageNumber(query.page);
  const order = parseOrder(query.sort, lists);
  const before = openCursor(query.before, cursors, order);
  const after = openCursor(query.after, cursors, order);
  if (before !== undefined && after !== undefined) throw badRequest('Use "before" or "after", not both.');
  if (before !== undefined) return { page, order, cursor: { before: before.seq, at: before.at } };
  if (after !== undefined) return { page, order, cursor: { after: after.seq, at: after.at } };
  if (page > MAX_TYPED_PAGE) {
    throw badRequest(`Pages past ${MAX_TYPED_PAGE} cannot be opened by number: follow the Older link from page ${MAX_TYPED_PAGE}.`);
  }
  return { page, order, cursor: { offset: (page - 1) * PAGE_SIZE } };
}

/** How many a list holds: exactly, or (`exact: false`) more than `total`. */
export type Total = { total: number; exact: boolean };

/** `total` is exact unless `totalExact` is false: then there are more than `total`, and `pages` is unknown (null). */
export type Pagination = { page: number; pages: number | null; total: number; totalExact: boolean; newer?: string; older?: string };

/** Where a list lives: its path and the query parameters every page keeps (the search query, the order). */
type Place = { base: string; params?: Record<string, string> };
/** `at` is the second half of a keyed cursor (shotAt by date taken; the score best match first). */
type Link = Place & { cursors: Sealer; at?: (image: ImageRecord) => number };

const hrefOf = (link: Place, extra: Record<string, string | number>) => {
  const query = new URLSearchParams({ ...link.params, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) });
  const text = query.toString();
  return text ? `${link.base}?${text}` : link.base;
};

/**
 * Where a typed page past the last one should go instead of showing "Page 9 of 3" over an empty grid: the
 * last page's address, or undefined when the page is not past the end (or the count is not exact).
 */
export function lastPageInstead(request: PageRequest, count: Total, place: Place): string | undefined {
  if (request.cursor.offset === undefined || !count.exact) return undefined;
  const pages = Math.max(1, Math.ceil(count.total / PAGE_SIZE));
  if (request.page <= pages) return undefined;
  return hrefOf(place, pages === 1 ? {} : { page: pages });
}

/** The query parameter of an order: none for the list's default. */
export function orderParams(order: PageOrder, { ranked = false }: Lists = {}): Record<string, string> {
  if (order === 'taken') return { sort: 'taken' };
  return order === 'uploaded' && ranked ? { sort: 'newest' } : {};
}

/** The first page of the same list in each of its orders, for the sort switch. */
export function orderLinks(place: Place, lists: Lists = {}): Partial<Record<PageOrder, string>> {
  const orders: PageOrder[] = lists.ranked ? ['relevance', 'uploaded', 'taken'] : ['uploaded', 'taken'];
  return Object.fromEntries(orders.map((order) => [order, hrefOf(place, orderParams(order, lists))]));
}

/** Page links that keep the other query parameters (the search query, the order). */
export function paginate(
  request: PageRequest,
  result: Page,
  count: Total,
  link: Link,
): Pagination {
  const { total, exact } = count;
  const pages = exact ? Math.max(1, Math.ceil(total / PAGE_SIZE)) : null;
  const page = pages === null ? request.page : Math.min(request.page, pages);
  const href = (extra: Record<string, string | number>) => hrefOf(link, extra);
  const first = result.images[0];
  const last = result.images.at(-1);
  const at = link.at ?? ((image: ImageRecord) => image.shotAt);
  const seal = (image: ImageRecord) => link.cursors.seal(request.order === 'uploaded' ? image.seq : [image.seq, at(image)]);
  return {
    page,
    pages,
    total,
    totalExact: exact,
    newer: result.hasNewer ? (page <= 2 || !first ? href({}) : href({ page: page - 1, after: seal(first) })) : undefined,
    older: result.hasOlder && last ? href({ page: page + 1, before: seal(last) }) : undefined,
  };
}
