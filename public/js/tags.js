// A tag link searches for its term; shift-click (or the tag's "+") adds the term to the current query instead.

const splitTerms = (query) => query.split(',').map((t) => t.trim()).filter(Boolean);

/** The query the page shows: the one in the address on /search, none elsewhere. */
function currentQuery() {
  return location.pathname === '/search' ? new URLSearchParams(location.search).get('q') ?? '' : '';
}

export function broadenedQuery(query, term) {
  const terms = splitTerms(query);
  if (!terms.some((t) => t.toLowerCase() === term.toLowerCase())) terms.push(term);
  return terms.join(', ');
}

/** An image's search links (tags, labels, uploader, id, in its details): each searches for the one term in its ?q=. */
const TERM_LINK = ':is(.tags, .details) a[href^="/search?q="]';

/** A link's term; a tag's "+" adds the term of the tag it belongs to. */
function termOf(link) {
  const source = link.matches('.add-term') ? link.parentElement.querySelector('a') : link;
  return new URL(source.href).searchParams.get('q') ?? '';
}

function onClick(event) {
  const link = event.target instanceof Element ? event.target.closest(TERM_LINK) : null;
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey) return;
  const adding = link.matches('.add-term') || event.shiftKey;
  if (!adding) return; // a plain click is a plain link to /search?q=term
  event.preventDefault();
  location.assign(`/search?q=${encodeURIComponent(broadenedQuery(currentQuery(), termOf(link)))}`);
}

export function enhanceTags() {
  document.addEventListener('click', onClick);
}
