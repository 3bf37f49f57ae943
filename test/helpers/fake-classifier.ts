import type { Classifier, Label } from '../../src/images/classifier.js';

/** For HTTP tests about something else than recognition: always sees the same three classes. */
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
      return labels;
    },
    async close() {},
  };
  return fake;
}
