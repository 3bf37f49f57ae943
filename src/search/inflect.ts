import { NOUN_EXCEPTIONS, VOCABULARY } from '../imagenet/classes.js';
import { PALETTE } from '../images/colour.js';

// Images are indexed under singular nouns (WordNet lemmas), but people search in plurals ("dogs", "geese").
// This is WordNet's morphy for nouns: the exception list (noun.exc, cut to our vocabulary in
// inflections.json), then the rules of detachment, keeping only candidates that are a vocabulary phrase, as
// morphy keeps only lemmas in the lexicon. Unlike morphy the rules still run after an exception hit:
// noun.exc maps "syringes" only to "syrinx", which would hide the syringe class.
const DETACHMENT: readonly [suffix: string, ending: string][] = [
  ['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y'],
];

const WORDS: ReadonlySet<string> = new Set([...VOCABULARY, ...PALETTE.map((c) => c.name)]);

/** The vocabulary phrases `term` (normalised) is a noun inflection of, without itself: "golden retrievers" -> ["golden retriever"]. */
export function baseForms(term: string): string[] {
  const cut = term.lastIndexOf(' ') + 1;
  const [head, last] = [term.slice(0, cut), term.slice(cut)];
  const candidates = [...(NOUN_EXCEPTIONS.get(term) ?? []), ...wordBases(last).map((base) => head + base)];
  return [...new Set(candidates)].filter((c) => c !== term && WORDS.has(c));
}

function wordBases(word: string): string[] {
  const rules = DETACHMENT.filter(([suffix]) => word.length > suffix.length && word.endsWith(suffix));
  return [...(NOUN_EXCEPTIONS.get(word) ?? []), ...rules.map(([suffix, ending]) => word.slice(0, -suffix.length) + ending)];
}
