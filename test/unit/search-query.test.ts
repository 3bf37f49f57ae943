import { describe, expect, it } from 'vitest';
import { isIdPrefix, MAX_TERMS, parseQuery } from '../../src/search/query.js';
import { fractionOf, searchTermsFor } from '../../src/search/terms.js';

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
    expect(isIdPrefix('4f1c2a')).toBe(true);
    expect(isIdPrefix('4f1c2')).toBe(false);
    expect(isIdPrefix('decadent')).toBe(false);
  });
});

describe('searchTermsFor', () => {
  const colours = [{ name: 'gray', hex: '#888888', share: 0.6 }, { name: 'white', hex: '#f8f8f8', share: 0.3 }];
  it('when an image is a tabby, then its terms hold the synonyms, hypernyms, colours, uploader and id, never a substring', () => {
    const terms = searchTermsFor({ id: 'ID-1', owner: 'Rishi', colours, tags: [], labels: [{ name: 'tabby, tabby cat', probability: 0.8 }] });
    expect([...terms.keys()]).toEqual(expect.arrayContaining(['tabby', 'tabby cat', 'cat', 'feline', 'gray', 'white', '#888888', 'rishi', 'id-1']));
    expect(terms.has('tab')).toBe(false);
    expect(terms.has('entity')).toBe(false);
  });

  it('when terms are written, then each carries its strength in millionths (a label\'s probability, a colour\'s share, 1 for uploader and id), and a hundred points when sure', () => {
    const terms = searchTermsFor({ id: 'ID-1', owner: 'Rishi', colours, tags: [], labels: [{ name: 'tabby, tabby cat', probability: 0.8 }, { name: 'Egyptian cat', probability: 0.15 }] });
    expect(terms.get('tabby')).toBe(100_800_000);
    // Both labels are cats: "cat" holds for 95% of the model's belief.
    expect(terms.get('cat')).toBe(100_950_000);
    expect(terms.get('gray')).toBe(100_600_000);
    expect(terms.get('white')).toBe(100_300_000);
    expect(terms.get('rishi')).toBe(101_000_000);
    expect(terms.get('id-1')).toBe(101_000_000);
    expect([...terms.values()].map(fractionOf)).toContain(0.95);
  });

  it('when a label is under 5%, then it matches with its fraction alone, no points for a sure match', () => {
    const terms = searchTermsFor({ id: 'x', owner: 'y', colours: [], tags: [], labels: [{ name: 'ostrich, Struthio camelus', probability: 0.003 }, { name: 'zebra', probability: 0.05 }] });
    expect(terms.get('ostrich')).toBe(3_000);
    expect(terms.get('zebra')).toBe(100_050_000);
  });

  it('when a probability is tiny, then its strength is still at least one millionth, so the term still matches', () => {
    const terms = searchTermsFor({ id: 'x', owner: 'y', colours: [], tags: [], labels: [{ name: 'zebra', probability: 1e-9 }] });
    expect(terms.get('zebra')).toBe(1);
  });
});
