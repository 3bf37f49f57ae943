// Regenerates classes.json: each ImageNet class with its MobileNet name, the comma-separated synonyms of
// that name, and the lemmas of all its WordNet 3.0 noun hypernyms ("terms"), so that a search for "dog"
// finds a whippet. ImageNet wnids are WordNet 3.0 noun offsets ("n" + byte offset into data.noun).
// Also writes inflections.json: the lines of WordNet's noun.exc (irregular plurals, "geese goose") whose
// base is in our vocabulary, so that search can undo them without shipping WordNet (src/search/inflect.ts).
//
// Run: npx tsx src/imagenet/generate-classes.ts --wnids FILE [--wordnet DIR] [--stats]
//   --wordnet  WordNet dict dir (default /usr/share/wordnet, Debian's wordnet-base)
//   --wnids    1000 wnids in class-index order (required: the ImageNet wnid list, kept outside the app)
//   --stats    print how many classes each dropped term covered and what was kept
// Names are read from the committed classes.json itself: it is the source of truth for MobileNet's
// spelling, and the generator must not need the model package to run.
//
// Stop list. A term that covers most classes matches almost every search, so it is noise:
//   1. any term found in more than MAX_COVERAGE (40%) of the classes is dropped (computed: entity, object,
//      whole, unit, artifact, organism, living thing, ...; "animal", at 39.8%, is kept on purpose), and
//   2. STOP_TERMS, a hand list: WordNet's upper ontology that is under the threshold but is vocabulary no
//      one searches with (instrumentality, abstraction, relation, part, causal agent, commodity, ...), plus
//      lemmas whose everyday sense is not the one reached here ("wind" from wind instrument, "arm" from
//      weapon, "wear" from clothing, "good" from goods, "solid" from solid food). The over-threshold upper
//      ontology is listed too, so the stop list does not depend on the 40% cut.
// `--stats` prints both with their coverage; src/imagenet/README.md records the result.
//
// An exception is kept if one of its bases is a vocabulary phrase (every synonym and term, lower-case) or
// the last word of one: search inflects the last word of a phrase, so "wolves" helps "grey wolf".
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const MAX_COVERAGE = 0.4;
export const STOP_TERMS: ReadonlySet<string> = new Set([
  // upper ontology, all above the threshold today
  'entity', 'physical entity', 'object', 'physical object', 'whole', 'unit', 'artifact', 'artefact',
  'organism', 'being', 'living thing', 'animate thing',
  // upper ontology under the threshold
  'instrumentality', 'instrumentation', 'abstraction', 'abstract entity', 'relation', 'part', 'portion',
  'piece', 'component', 'component part', 'constituent', 'matter', 'substance', 'thing', 'natural object',
  'causal agent', 'cause', 'causal agency', 'agent', 'commodity', 'trade good', 'consumer goods',
  // misleading senses
  'good', 'wind', 'arm', 'wear', 'solid',
]);

type Entry = { wnid: string; name: string; synonyms: string[]; terms: string[] };

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLASSES_JSON = here('./classes.json');
const INFLECTIONS_JSON = here('./inflections.json');

function main(): void {
  const { values } = parseArgs({
    options: {
      wordnet: { type: 'string', default: '/usr/share/wordnet' },
      wnids: { type: 'string' },
      stats: { type: 'boolean', default: false },
    },
  });
  if (!values.wnids) throw new Error('--wnids FILE is required: the 1000 ImageNet wnids in class-index order');
  const wnids = readFileSync(values.wnids, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const entries = buildEntries(wnids, readNames(wnids), readFileSync(`${values.wordnet}/data.noun`));
  const { coverage, dropped } = applyStopList(entries);
  const json = `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`;
  writeFileSync(CLASSES_JSON, json);
  if (values.stats) printStats(entries, coverage, dropped, Buffer.byteLength(json));
  const exceptions = readExceptions(readFileSync(`${values.wordnet}/noun.exc`, 'utf8'));
  const kept = keepVocabularyExceptions(exceptions, entries);
  const lines = kept.map(([inflected, bases]) => `${JSON.stringify(inflected)}: ${JSON.stringify(bases)}`);
  writeFileSync(INFLECTIONS_JSON, `{\n${lines.join(',\n')}\n}\n`);
  if (values.stats) console.log(`noun.exc: ${exceptions.length} exceptions; inflections.json keeps ${kept.length}`);
}

// noun.exc line: inflected base [base...], collocations joined by "_", sorted by the inflected form.
function readExceptions(nounExc: string): [string, string[]][] {
  return nounExc.split('\n').filter(Boolean).map((line) => {
    const [inflected, ...bases] = line.trim().split(' ').map(lemmaText);
    return [inflected!, bases];
  });
}

/** Each exception with only its vocabulary bases (dropping it if none), sorted by the inflected form. */
function keepVocabularyExceptions(exceptions: [string, string[]][], entries: Entry[]): [string, string[]][] {
  const vocabulary = new Set(entries.flatMap((e) => [...e.synonyms, ...e.terms]).map((t) => t.toLowerCase()));
  const lastWords = new Set([...vocabulary].map((t) => t.slice(t.lastIndexOf(' ') + 1)));
  const kept = new Map<string, string[]>();
  for (const [inflected, bases] of exceptions) {
    const known = bases.filter((b) => b !== inflected && (vocabulary.has(b) || lastWords.has(b)));
    if (known.length > 0) kept.set(inflected, [...new Set([...(kept.get(inflected) ?? []), ...known])]);
  }
  return [...kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function buildEntries(wnids: string[], names: string[], dataNoun: Buffer): Entry[] {
  return wnids.map((wnid, i) => {
    const name = names[i]!;
    const synonyms = name.split(',').map((s) => s.trim()).filter(Boolean);
    const own = new Set(synonyms.map((s) => s.toLowerCase()));
    const terms = hypernymLemmas(dataNoun, offsetOf(wnid)).filter((t) => !own.has(t));
    return { wnid, name, synonyms, terms };
  });
}

/** Removes over-threshold and hand-listed terms in place; returns the coverage counted before. */
function applyStopList(entries: Entry[]): { coverage: Map<string, number>; dropped: Set<string> } {
  const coverage = countCoverage(entries);
  const limit = MAX_COVERAGE * entries.length;
  const dropped = new Set([...coverage.keys()].filter((t) => coverage.get(t)! > limit || STOP_TERMS.has(t)));
  for (const entry of entries) entry.terms = entry.terms.filter((t) => !dropped.has(t));
  return { coverage, dropped };
}

function readNames(wnids: string[]): string[] {
  const current = JSON.parse(readFileSync(CLASSES_JSON, 'utf8')) as { wnid: string; name: string }[];
  if (current.length !== wnids.length) {
    throw new Error(`classes.json has ${current.length} entries, the wnids file ${wnids.length}`);
  }
  current.forEach((c, i) => {
    if (c.wnid !== wnids[i]) throw new Error(`class ${i}: classes.json has ${c.wnid}, wnids file has ${wnids[i]}`);
  });
  return current.map((c) => c.name);
}

function offsetOf(wnid: string): number {
  if (!/^n\d{8}$/.test(wnid)) throw new Error(`not a noun wnid: ${wnid}`);
  return Number(wnid.slice(1));
}

type Synset = { lemmas: string[]; hypernyms: number[] };

// data.noun line: offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt [ptr offset pos st]... | gloss
function readSynset(dataNoun: Buffer, offset: number): Synset {
  const line = dataNoun.toString('latin1', offset, dataNoun.indexOf(10, offset));
  const fields = line.split(' ');
  if (Number(fields[0]) !== offset) throw new Error(`no synset at data.noun offset ${offset}`);
  const wordCount = Number.parseInt(fields[3]!, 16);
  const lemmas = Array.from({ length: wordCount }, (_, i) => lemmaText(fields[4 + 2 * i]!));
  const pointerStart = 4 + 2 * wordCount;
  const hypernyms: number[] = [];
  for (let i = 0; i < Number(fields[pointerStart]); i++) {
    const [symbol, target, pos] = fields.slice(pointerStart + 1 + 4 * i);
    if ((symbol === '@' || symbol === '@i') && pos === 'n') hypernyms.push(Number(target));
  }
  return { lemmas, hypernyms };
}

function lemmaText(raw: string): string {
  return raw.replace(/_/g, ' ').toLowerCase();
}

/** Lemmas of every transitive hypernym, nearest first, deduplicated. */
function hypernymLemmas(dataNoun: Buffer, offset: number): string[] {
  const seen = new Set<number>([offset]);
  const queue = [...readSynset(dataNoun, offset).hypernyms];
  const lemmas = new Set<string>();
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    const synset = readSynset(dataNoun, next);
    synset.lemmas.forEach((l) => lemmas.add(l));
    queue.push(...synset.hypernyms);
  }
  return [...lemmas];
}

function countCoverage(entries: Entry[]): Map<string, number> {
  const coverage = new Map<string, number>();
  for (const { terms } of entries) for (const t of terms) coverage.set(t, (coverage.get(t) ?? 0) + 1);
  return coverage;
}

function printStats(entries: Entry[], coverage: Map<string, number>, dropped: Set<string>, bytes: number): void {
  const line = ([t, n]: [string, number]) => `  ${t}: ${n} (${((100 * n) / entries.length).toFixed(1)}%)`;
  const byCoverage = [...coverage].sort((a, b) => b[1] - a[1]);
  const counts = entries.map((e) => e.terms.length);
  const mean = (counts.reduce((a, b) => a + b, 0) / entries.length).toFixed(1);
  const over = (n: number) => n > MAX_COVERAGE * entries.length;
  console.log(`classes: ${entries.length}; distinct terms: ${coverage.size}; dropped: ${dropped.size}`);
  console.log(`terms per class: mean ${mean}, max ${Math.max(...counts)}; classes.json: ${bytes} bytes`);
  console.log(`dropped over the ${MAX_COVERAGE * 100}% threshold (term: classes covered):`);
  byCoverage.filter(([t, n]) => dropped.has(t) && over(n)).forEach((e) => console.log(line(e)));
  console.log('dropped by the stop list:');
  byCoverage.filter(([t, n]) => dropped.has(t) && !over(n)).forEach((e) => console.log(line(e)));
  console.log('most common kept terms:');
  byCoverage.filter(([t]) => !dropped.has(t)).slice(0, 15).forEach((e) => console.log(line(e)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
