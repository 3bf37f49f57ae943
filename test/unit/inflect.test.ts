import { describe, expect, it } from 'vitest';
import { NOUN_EXCEPTIONS, VOCABULARY } from '../../src/imagenet/classes.js';
import inflections from '../../src/imagenet/inflections.json' with { type: 'json' };
import { baseForms } from '../../src/search/inflect.js';

describe('noun inflections (WordNet morphy)', () => {
  it.each([
    ['dogs', 'dog'], // s -> ''
    ['buses', 'bus'], // ses -> s
    ['glasses', 'glass'],
    ['foxes', 'fox'], // xes -> x
    ['boxes', 'box'],
    ['spitzes', 'spitz'], // zes -> z
    ['churches', 'church'], // ches -> ch
    ['dishes', 'dish'], // shes -> sh
    ['frogmen', 'frogman'], // men -> man
    ['butterflies', 'butterfly'], // ies -> y
    ['geese', 'goose'], // noun.exc
    ['mice', 'mouse'],
    ['wolves', 'wolf'],
    ['reds', 'red'], // a palette colour name
  ])('when searching "%s", then its base form "%s" is found', (term, base) => {
    expect(baseForms(term)).toEqual([base]);
  });

  it('when the last word of a phrase is inflected, then the phrase keeps its other words', () => {
    expect(baseForms('golden retrievers')).toEqual(['golden retriever']);
    expect(baseForms('mud puppies')).toEqual(['mud puppy']);
    expect(baseForms('grey wolves')).toEqual(['grey wolf']); // noun.exc on the last word
  });

  it('when noun.exc gives one base and the rules another, then both vocabulary phrases are found', () => {
    expect(baseForms('syringes')).toEqual(['syrinx', 'syringe']);
    expect(baseForms('axes')).toEqual(['ax', 'axe']);
  });

  it('when the term is already singular, then there is no other base form', () => {
    for (const term of ['dog', 'glass', 'bus', 'goose', 'golden retriever', 'red']) expect(baseForms(term)).toEqual([]);
  });

  it('when the base form is not a vocabulary phrase, then nothing is found', () => {
    // "puppy" and "woman" are no class's synonym or term ("mud puppy" is); "glas" is no word.
    for (const term of ['puppies', 'women', 'greys', 'golden puppies']) expect(baseForms(term)).toEqual([]);
  });

  it('when the term is not a noun or is garbage, then nothing is found', () => {
    for (const term of ['running', 'quickly', 'xyzzys', 's', 'ies', 'men', '', '#c0392b', 'dogs dogs']) {
      expect(baseForms(term)).toEqual([]);
    }
  });

  it('when the exception table is loaded, then every key maps to vocabulary words and keys are sorted', () => {
    const lastWords = new Set([...VOCABULARY].map((t) => t.slice(t.lastIndexOf(' ') + 1)));
    expect(NOUN_EXCEPTIONS.size).toBeGreaterThan(50);
    for (const [inflected, bases] of NOUN_EXCEPTIONS) {
      expect(bases.length).toBeGreaterThan(0);
      for (const base of bases) {
        expect(base).not.toBe(inflected);
        expect(VOCABULARY.has(base) || lastWords.has(base), `${inflected} -> ${base}`).toBe(true);
      }
    }
    const keys = Object.keys(inflections);
    expect(keys).toEqual([...keys].sort());
  });
});
