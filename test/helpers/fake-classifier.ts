import type { Classifier, Label } from '../../src/images/classifier.js';
import { EMBEDDING_SIZE, type Embedding } from '../../src/images/embedding.js';

/**
 * For HTTP tests about something else than recognition: always sees the same three classes. Its embedding
 * comes from those classes (labelEmbedding), so every image it sees is alike.
 */
export function fakeClassifier(labels: Label[] = [
  { name: 'tabby, tabby cat', probability: 0.7 },
  { name: 'Egyptian cat', probability: 0.2 },
  { name: 'tiger cat', probability: 0.05 },
]): Classifier & { calls: number } {
  const fake = {
    calls: 0,
    async classify(pixels: Uint8Array) {
      if (pixels.length !== 224 * 224 * 3) throw new Error('wrong input size');
      fake.calls++;
      return { labels, embedding: labelEmbedding(labels) };
    },
    async close() {},
  };
  return fake;
}

/** One feature per class name, as strong as the class is sure: the same labels give the same direction. */
export function labelEmbedding(labels: readonly Label[]): Embedding {
  const embedding = new Uint8Array(EMBEDDING_SIZE);
  for (const { name, probability } of labels) {
    let at = 0;
    for (const char of name) at = (at * 31 + char.codePointAt(0)!) % EMBEDDING_SIZE;
    embedding[at] = Math.min(255, embedding[at] + Math.round(probability * 255));
  }
  return embedding;
}
