import { describe, expect, it } from 'vitest';
import { cosine, decodeEmbedding, EMBEDDING_SIZE, encodeEmbedding, quantiseEmbedding } from '../../src/images/embedding.js';
import { alikeKey, alikeKeyOf } from '../../src/images/alike.js';

const values = (f: (i: number) => number) => Float32Array.from({ length: EMBEDDING_SIZE }, (_, i) => f(i));

describe('embeddings', () => {
  it('when the model\'s values are stored, then the largest becomes 255 and the direction is kept', () => {
    const raw = values((i) => (i % 7) * 0.5);
    const stored = quantiseEmbedding(raw);
    expect(Math.max(...stored)).toBe(255);
    expect(stored[1]).toBe(Math.round((0.5 / 3) * 255));
    // The same direction at another scale is the same embedding.
    expect([...quantiseEmbedding(values((i) => (i % 7) * 4))]).toEqual([...stored]);
    expect(() => quantiseEmbedding(new Float32Array(10))).toThrow(/1280 values/);
  });

  it('when an embedding is written and read back, then it is the same bytes, and text of the wrong size is no embedding', () => {
    const stored = quantiseEmbedding(values((i) => (i * 37) % 101));
    expect([...decodeEmbedding(encodeEmbedding(stored))!]).toEqual([...stored]);
    expect(decodeEmbedding(Buffer.from([1, 2, 3]).toString('base64'))).toBeNull();
  });

  it('when two embeddings are compared, then the same direction is 1, nothing in common 0, and nearer is more', () => {
    const a = quantiseEmbedding(values((i) => (i < 640 ? 1 : 0)));
    const b = quantiseEmbedding(values((i) => (i >= 640 ? 1 : 0)));
    const mostlyA = quantiseEmbedding(values((i) => (i < 640 ? 1 : i < 700 ? 1 : 0)));
    expect(cosine(a, a)).toBeCloseTo(1, 10);
    expect(cosine(a, b)).toBe(0);
    expect(cosine(a, mostlyA)).toBeGreaterThan(cosine(b, mostlyA));
    expect(cosine(a, new Uint8Array(EMBEDDING_SIZE))).toBe(0);
  });

  it('when look-alikes are looked for, then a label leads to its next more general word, and an image is found under its top label\'s', () => {
    expect(alikeKey({ name: 'macaw', probability: 0.9 })).toBe('parrot');
    expect(alikeKey({ name: 'tabby, tabby cat', probability: 0.05 })).toBe('domestic cat');
    expect(alikeKey({ name: 'Not An ImageNet Class', probability: 0.5 })).toBe('not an imagenet class');
    expect(alikeKeyOf([{ name: 'whippet', probability: 0.6 }, { name: 'macaw', probability: 0.3 }])).toBe('greyhound');
    expect(alikeKeyOf(null)).toBeNull();
    expect(alikeKeyOf([])).toBeNull();
  });
});
