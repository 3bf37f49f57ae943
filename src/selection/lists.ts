// "Select all N results": the ids of every image of a list the viewer is looking at (the gallery's lists or a
// search), read again on the server when the action runs, so the selection is what the list holds then.
import type { UsersRepo } from '../auth/users.js';
import { safeReturnPath } from '../auth/validation.js';
import { badRequest } from '../errors.js';
import { MAX_SELECTION } from '../images/access.js';
import type { ImagesRepo } from '../images/images-repo.js';
import { parseScope } from '../images/scope.js';
import { parseQuery } from '../search/query.js';
import type { SearchRepo } from '../search/search-repo.js';

export type ListDeps = { images: Pick<ImagesRepo, 'listVisible'>; users: Pick<UsersRepo, 'findByUsername'>; search: Pick<SearchRepo, 'ids'> };

/**
 * `raw` is the list's own address (`/?show=mine`, `/search?q=red,+dog`): the ids of its images, newest first,
 * as the viewer may see them. More than MAX_SELECTION is refused, not cut: an action must not stop half way
 * down a list without saying so.
 */
export async function idsOfList(raw: unknown, viewer: { id: number; username: string }, { images, users, search }: ListDeps): Promise<string[]> {
  const path = safeReturnPath(raw);
  if (!path) throw badRequest('"all" is the address of a list of images.');
  const url = new URL(path, 'http://list.invalid');
  // The list's page refuses a repeated parameter (it reads as a list of values): so does its selection, rather
  // than take one of them.
  const keys = [...url.searchParams.keys()];
  if (new Set(keys).size !== keys.length) throw badRequest('The list\'s address names a parameter twice.');
  const query = Object.fromEntries(url.searchParams);
  const limit = MAX_SELECTION + 1;
  let ids: string[];
  if (url.pathname === '/') {
    const list = await parseScope(query, viewer, users);
    ids = (await images.listVisible(list.scope, { offset: 0 }, limit)).images.map((image) => image.id);
  } else if (url.pathname === '/search') {
    const { terms } = parseQuery(query.q);
    if (terms.length === 0) throw badRequest('The search has no terms.');
    ids = await search.ids(viewer.id, terms, limit);
  } else {
    throw badRequest('"all" is the address of a list of images.');
  }
  if (ids.length > MAX_SELECTION) throw badRequest(`The list holds more than ${MAX_SELECTION.toLocaleString('en-US')} images: select fewer at once.`);
  return ids;
}
