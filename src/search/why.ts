import { classByName } from '../imagenet/classes.js';
import { ciede2000, hexToLab } from '../images/colour.js';
import { HEX_RADIUS } from '../images/palette.js';
import { baseForms } from './inflect.js';
import { isHexColour, isIdPrefix, parseQuery } from './query.js';
import { normaliseTerm, SURE } from './terms.js';

/** A label under this probability is shown as a weak guess (muted), so a surprising match explains itself; it is what search counts as not sure. */
export const WEAK_LABEL = SURE;

type Shown = {
  id: string;
  owner: string;
  colourName: string;
  colourHex: string;
  labels: readonly { name: string }[] | null;
  palette: readonly { name: string; hex: string }[] | null;
  corrections: { tags: readonly { name: string }[] };
};

/** Which of an image's tags a search query matched, for the viewer to highlight: by the rules search itself uses. */
export function matchedTags(image: Shown, rawQuery: string) {
  const typed = parseQuery(rawQuery).terms;
  const words = new Set(typed.flatMap((term) => [term, ...baseForms(term)]));
  const hexes = typed.filter(isHexColour).map(hexToLab);
  const near = (hex: string) => hexes.some((lab) => ciede2000(lab, hexToLab(hex)) <= HEX_RADIUS);
  const colours = [{ name: image.colourName, hex: image.colourHex }, ...(image.palette ?? [])];
  const labelMatched = (name: string) => {
    const known = classByName(name);
    return (known ? [...known.synonyms, ...known.terms] : [name]).some((term) => words.has(normaliseTerm(term)));
  };
  return {
    labels: new Set((image.labels ?? []).filter((l) => labelMatched(l.name)).map((l) => l.name)),
    colours: new Set(colours.filter((c) => words.has(c.name) || near(c.hex)).map((c) => c.name)),
    tags: new Set(image.corrections.tags.filter((tag) => words.has(tag.name)).map((tag) => tag.name)),
    owner: words.has(normaliseTerm(image.owner)),
    id: words.has(image.id) || typed.some((term) => isIdPrefix(term) && image.id.startsWith(term)),
  };
}
