import { describe, expect, it } from 'vitest';
import { isIdPrefix, MAX_TERMS, parseQuery } from '../../src/search/query.js';
import { searchTermsFor } from '../../src/search/terms.js';

describe('parseQuery', () => {
  it('when terms have spaces, case and empties, then they are trimmed, folded and dropped', () => {
    expect(parseQuery('  Red ,, DOG,red,  tabby   cat ,')).toEqual({ terms: ['red', 'dog', 'tabby cat'], truncated: false });
  });

  it.each([[''], [',,,'], [' , , '], [undefined], [['a', 'b']]])('when the query is %j, then there are no terms', (raw) => {
    expect(parseQuery(raw).terms).toEqual([]);
  });

  it('when there are more than 50 terms, then the first 50 are kept and the cut is reported', () => {
    const parsed = parseQuery(Array.from({ length: 80 }, (_, i) => `t${i}`).join(','));
    expect(parsed.terms).toHaveLength(MAX_TERMS);
    expect(parsed.terms[0]).toBe('t0');
    expect(parsed.truncated).toBe(true);
  });

  it('when the query is over 500 characters, then it is cut there', () => {
    const parsed = parseQuery('x'.repeat(600));
    expect(parsed.terms).toEqual(['x'.repeat(500)]);
    expect(parsed.truncated).toBe(true);
  });

  it('when a term looks like the start of a UUID, then it is an id prefix', () => {
    expect(isIdPrefix('4f1c2a9b')).toBe(true);
    expect(isIdPrefix('4f1c2a9b-12')).toBe(true);
    expect(isIdPrefix('4f1c2a9')).toBe(false);
    expect(isIdPrefix('decadent')).toBe(false);
  });
});

describe('searchTermsFor', () => {
  it('when an image is a tabby, then its terms hold the synonyms, hypernyms, colour, uploader and id, never a substring', () => {
    const terms = searchTermsFor({ id: 'ID-1', owner: 'Rishi', colourName: 'gray', colourHex: '#808080', labels: ['tabby, tabby cat'] });
    expect(terms).toEqual(expect.arrayContaining(['tabby', 'tabby cat', 'cat', 'feline', 'gray', '#808080', 'rishi', 'id-1']));
    expect(terms).not.toContain('tab');
    expect(terms).not.toContain('entity');
  });
});
