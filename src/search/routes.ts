import { Router } from 'express';
import { wantsJson } from '../web/wants-json.js';
import { currentUser } from '../auth/require-user.js';
import { lastPageInstead, orderLinks, orderParams, PAGE_SIZE, paginate, parsePageRequest } from '../images/pagination.js';
import { imageJson } from '../images/present.js';
import { parseQuery } from './query.js';
import type { SearchRepo } from './search-repo.js';
import type { Sealer } from '../web/sealed.js';

export function searchRoutes({ search, cursors }: { search: SearchRepo; cursors: Sealer }): Router {
  const router = Router();

  router.get('/search', async (req, res) => {
    const { terms, truncated } = parseQuery(req.query.q);
    // An empty query (or only commas) is the gallery.
    if (terms.length === 0) return res.redirect(303, '/');
    const request = parsePageRequest(req.query, cursors);
    const viewer = currentUser(res).id;
    const page = await search.search(viewer, terms, request.cursor, PAGE_SIZE, request.order);
    const query = terms.join(', ');
    const place = { base: '/search', params: { q: query, ...orderParams(request.order) } };
    const last = lastPageInstead(request, page, place);
    if (last) return res.redirect(303, last);
    const pagination = paginate(request, page, { total: page.total, exact: page.exact }, { ...place, cursors });
    if (wantsJson(req)) {
      res.json({ images: page.images.map((image) => imageJson(image, viewer)), ...pagination, query, terms, truncated, sort: request.order });
      return;
    }
    res.render('search/results', {
      title: `Search: ${query}`, images: page.images, pagination, terms, truncated, order: request.order,
      orders: orderLinks({ base: '/search', params: { q: query } }),
    });
  });

  return router;
}
