// The ImageNet class table (see README.md beside this file). Imported as a JSON module so that tsc copies
// it into dist/ next to the compiled loader, and vitest reads it straight from src/.
import table from './classes.json' with { type: 'json' };
import inflections from './inflections.json' with { type: 'json' };

export type ImagenetClass = { wnid: string; name: string; synonyms: string[]; terms: string[] };

/** The 1000 classes in MobileNet's output order: IMAGENET_CLASSES[i] is output index i. */
export const IMAGENET_CLASSES: readonly ImagenetClass[] = Object.freeze(table as ImagenetClass[]);

const byName = new Map(IMAGENET_CLASSES.map((c) => [c.name, c]));

/** Looks a class up by its exact MobileNet label, e.g. "tabby, tabby cat". */
export function classByName(name: string): ImagenetClass | undefined {
  return byName.get(name);
}

/** Every synonym and term of every class, lower-case: the phrases a search can match a class by. */
export const VOCABULARY: ReadonlySet<string> = new Set(
  IMAGENET_CLASSES.flatMap((c) => [...c.synonyms, ...c.terms]).map((t) => t.toLowerCase()),
);

/** WordNet's irregular noun forms whose base is in the vocabulary: "geese" -> ["goose"] (see README.md). */
export const NOUN_EXCEPTIONS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(inflections));
