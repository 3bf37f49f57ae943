import { badRequest, notFound } from '../errors.js';
import type { UsersRepo } from '../auth/users.js';
import type { Scope } from './images-repo.js';

/** The gallery's lists: every image the viewer may see, their own, their own private ones, or one uploader's. */
export type Show = 'all' | 'mine' | 'private';
export type ListScope = { scope: Scope; show: Show; uploader?: string; title: string; params: Record<string, string> };

const SHOWS: Record<Show, string> = { all: 'All images', mine: 'My images', private: 'My private images' };

/**
 * `?show=mine|private` or `?uploader=NAME` (the viewer's own name is their "mine"); nothing is every visible
 * image. Another uploader's list holds their public images only, so it tells nothing a search for them does not.
 */
export async function parseScope(query: Record<string, unknown>, viewer: { id: number; username: string }, users: Pick<UsersRepo, 'findByUsername'>): Promise<ListScope> {
  const { show: rawShow, uploader: rawUploader } = query;
  if (rawShow !== undefined && rawShow !== '' && !(typeof rawShow === 'string' && Object.hasOwn(SHOWS, rawShow))) throw badRequest('"show" is "all", "mine" or "private".');
  const show = (rawShow || 'all') as Show;
  if (rawUploader === undefined || rawUploader === '') {
    const scope: Scope = show === 'all' ? { viewer: viewer.id } : { viewer: viewer.id, owner: viewer.id, ...(show === 'private' ? { only: 'private' } : {}) };
    return { scope, show, title: SHOWS[show], params: show === 'all' ? {} : { show } };
  }
  if (typeof rawUploader !== 'string' || rawUploader.length > 100) throw badRequest('"uploader" is one user name.');
  if (show !== 'all') throw badRequest('Use "show" or "uploader", not both.');
  const owner = rawUploader === viewer.username ? viewer : await users.findByUsername(rawUploader);
  if (!owner) throw notFound('There is no user with this name.');
  const own = owner.id === viewer.id;
  return {
    scope: { viewer: viewer.id, owner: owner.id },
    show: own ? 'mine' : 'all',
    uploader: owner.username,
    title: own ? SHOWS.mine : `Images by ${owner.username}`,
    params: { uploader: owner.username },
  };
}

/** The first page of each of the viewer's lists, in the order being shown. */
export function scopeLinks(order: Record<string, string>): Record<Show, string> {
  const href = (params: Record<string, string>) => {
    const text = new URLSearchParams({ ...params, ...order }).toString();
    return text ? `/?${text}` : '/';
  };
  return { all: href({}), mine: href({ show: 'mine' }), private: href({ show: 'private' }) };
}
