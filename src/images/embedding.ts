/**
 * What MobileNet's last layer before the classes holds for an image (its AvgPool node: 1280 values, each
 * the mean of one feature over the picture): photos of like things lie close, by cosine, even where their
 * top labels differ. Stored as 1280 bytes, each value scaled so the largest is 255: the values are all
 * positive (they come out of ReLU6) and the cosine does not depend on the scale, so a byte each keeps the
 * direction at a quarter of the floats' size.
 */
export const EMBEDDING_SIZE = 1280;
export type Embedding = Uint8Array;

export function quantiseEmbedding(values: ArrayLike<number>): Embedding {
  if (values.length !== EMBEDDING_SIZE) throw new Error(`an embedding has ${EMBEDDING_SIZE} values, not ${values.length}`);
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const out = new Uint8Array(EMBEDDING_SIZE);
  if (max > 0) for (let i = 0; i < values.length; i++) out[i] = Math.round((Math.max(0, values[i]) / max) * 255);
  return out;
}

/** As stored: base64 text, which both databases and the trash's JSON copy of a row hold as they are. */
export const encodeEmbedding = (embedding: Embedding): string => Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength).toString('base64');

export function decodeEmbedding(text: string): Embedding | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === EMBEDDING_SIZE ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
}

/** 1 for the same direction, 0 for nothing in common (an all-zero embedding is like nothing). */
export function cosine(a: Embedding, b: Embedding): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < EMBEDDING_SIZE; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa && bb ? dot / Math.sqrt(aa * bb) : 0;
}
