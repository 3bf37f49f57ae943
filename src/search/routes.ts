import { Router } from 'express';
import { wantsJson } from '../web/wants-json.js';
import { currentUser } from '../auth/require-user.js';
import { lastPageInstead, orderLinks, orderParams, PAGE_SIZE, paginate, parsePageRequest } from '../images/pagination.js';
import { imageJson } from '../images/present.js';
import { parseQuery } from './query.js';
import type { RankedMatch, SearchRepo } from './search-repo.js';
import type { Sealer } from '../web/sealed.js';

const NO_MATCH: RankedMatch = { score: 0, terms: [], rank: 0 };

export function searchRoutes({ search, cursors }: { search: SearchRepo; cursors: Sealer }): Router {
  const router = Router();
  const ranked = { ranked: true };

  router.get('/search', async (req, res) => {
    const { terms, truncated } = parseQuery(req.query.q);
    // An empty query (or only commas) is the gallery.
    if (terms.length === 0) return res.redirect(303, '/');
    const request = parsePageRequest(req.query, cursors, ranked);
    const viewer = currentUser(res).id;
    const page = await search.search(viewer, terms, request.cursor, PAGE_SIZE, request.order);
    const query = terms.join(', ');
    const place = { base: '/search', params: { q: query, ...orderParams(request.order, ranked) } };
    const last = lastPageInstead(request, page, place);
    if (last) return res.redirect(303, last);
    const matchOf = (seq: number) => page.matches.get(seq) ?? NO_MATCH;
    const at = (image: { seq: number }) => matchOf(image.seq).rank;
    const pagination = paginate(request, page, { total: page.total, exact: page.exact }, { ...place, cursors, at: request.order === 'relevance' ? at : undefined });
    const sort = request.order === 'uploaded' ? 'newest' : request.order;
    if (wantsJson(req)) {
      const images = page.images.map((image) => {
        const { rank: _, ...match } = matchOf(image.seq);
        return { ...imageJson(image, viewer), match };
      });
      res.json({ images, ...pagination, query, terms, truncated, sort });
      return;
    }
    res.render('search/results', {
      title: `Search: ${query}`, images: page.images, pagination, terms, truncated, order: request.order,
      orders: orderLinks({ base: '/search', params: { q: query } }, ranked), matches: page.matches,
    });
  });

  return router;
}
