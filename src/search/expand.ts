import type { Db } from '../db/index.js';
import { baseForms } from './inflect.js';
import { isHexColour, isIdPrefix } from './query.js';

const MAX_ID_EXPANSION = 20;

/** A term as typed, and what it stands for: the stored terms it finds, or a colour to match by nearness. */
export type QueryTerm = { text: string; stored: string[]; hex?: string };

/**
 * "dogs" stands for "dogs" and "dog" (WordNet's morphology), an id prefix ("4f1c2a") for the ids it starts,
 * "#c0392b" for the images with a colour near it (near-colours.ts).
 */
// One prefix after another: in parallel, one search of 50 prefixes would hold every pooled connection.
export async function expandQuery(db: Db, rawTerms: string[]): Promise<QueryTerm[]> {
  const expanded: QueryTerm[] = [];
  for (const text of rawTerms) {
    if (isHexColour(text)) {
      expanded.push({ text, stored: [], hex: text });
      continue;
    }
    const stored = new Set([text, ...baseForms(text)]);
    if (isIdPrefix(text) && text.length < 36) for (const { id } of await idsWithPrefix(db, text).execute()) stored.add(id);
    expanded.push({ text, stored: [...stored] });
  }
  return expanded;
}

/** Exported for its plan test: ids are text in byte order (COLLATE "C" on PostgreSQL), so a prefix is one range. */
export const idsWithPrefix = (db: Db, prefix: string) =>
  db.query.selectFrom('images').select('id').where('id', '>=', prefix).where('id', '<', `${prefix}~`).orderBy('id').limit(MAX_ID_EXPANSION);
