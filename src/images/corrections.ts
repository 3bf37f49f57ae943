import type { Label } from './classifier.js';

/** Who made a correction (a user id) and when (ms). */
export type Made = { by: number; at: number };
export type Named = Made & { name: string };

/**
 * What the owner changed of what the machine said (migration 017): tags of their own, labels of the model's
 * they removed, and a colour name in place of the measured one. The model's labels and the measured colour
 * stay as read, so a reclassify replaces those and the corrections still apply to the new reading.
 */
export type Corrections = { tags: Named[]; removed: Named[]; colour: Named | null };

export const NO_CORRECTIONS: Corrections = Object.freeze({ tags: [], removed: [], colour: null });

export function readCorrections(json: string | null): Corrections {
  if (json === null) return NO_CORRECTIONS;
  const stored = JSON.parse(json) as Partial<Corrections>;
  return { tags: stored.tags ?? [], removed: stored.removed ?? [], colour: stored.colour ?? null };
}

export const correctionsJson = (c: Corrections) => (c.tags.length || c.removed.length || c.colour ? JSON.stringify(c) : null);

/** The model's labels as everyone sees and searches them: without those the owner removed. */
export const keptLabels = (labels: Label[], corrections: Corrections) =>
  corrections.removed.length ? labels.filter((label) => !corrections.removed.some((r) => r.name === label.name)) : labels;
