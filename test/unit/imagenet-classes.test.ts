import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IMAGENET_CLASSES, classByName } from '../../src/imagenet/classes.js';
import { MAX_COVERAGE, STOP_TERMS } from '../../src/imagenet/generate-classes.js';

// SHA-256 of the 1000 MobileNet names, joined by '\n', as first committed (before terms were added).
const ORIGINAL_NAMES_SHA256 = 'ebb1e26fe65f59669fedf81b456d6f46410da85a5918db5c9f5c314fa8ceebb1';

const termsOf = (name: string) => {
  const found = IMAGENET_CLASSES.find((c) => c.synonyms.includes(name));
  if (!found) throw new Error(`no class named ${name}`);
  return found.terms;
};

describe('ImageNet class table', () => {
  it('when loaded, then it has the 1000 original MobileNet names in output order', () => {
    expect(IMAGENET_CLASSES).toHaveLength(1000);
    const names = IMAGENET_CLASSES.map((c) => c.name).join('\n');
    expect(createHash('sha256').update(names).digest('hex')).toBe(ORIGINAL_NAMES_SHA256);
    expect(IMAGENET_CLASSES[0]!.name).toBe('tench, Tinca tinca');
    expect(IMAGENET_CLASSES[281]!.name).toBe('tabby, tabby cat');
    expect(IMAGENET_CLASSES[999]!.name).toBe('toilet tissue, toilet paper, bathroom tissue');
  });

  it('when looking a class up by its exact label, then it is found with its synonyms', () => {
    const tabby = classByName('tabby, tabby cat');
    expect(tabby?.wnid).toBe('n02123045');
    expect(tabby?.synonyms).toEqual(['tabby', 'tabby cat']);
    expect(classByName('tabby')).toBeUndefined();
  });

  it.each([
    ['dog', ['Italian greyhound', 'whippet', 'Boston bull']],
    ['cat', ['Egyptian cat', 'tabby', 'tiger cat']],
    ['bird', ['macaw', 'chickadee']],
    ['wine', ['red wine']],
    ['fruit', ['Granny Smith']],
    ['vehicle', ['sports car']],
  ])('when searching the broader term "%s", then %j carry it', (term, classes) => {
    for (const name of classes) expect(termsOf(name)).toContain(term);
  });

  it('when a name merely contains a word, then it does not get that meaning: a catamaran is no cat', () => {
    expect(termsOf('catamaran')).not.toContain('cat');
    expect(termsOf('catamaran')).toContain('vehicle');
  });

  it('when terms are listed, then they are lowercase, trimmed, unique and not the class own synonyms', () => {
    const offenders: string[] = [];
    for (const c of IMAGENET_CLASSES) {
      if (c.synonyms.join(', ') !== c.name.split(',').map((s) => s.trim()).join(', ')) offenders.push(c.name);
      if (new Set(c.terms).size !== c.terms.length) offenders.push(`${c.name}: duplicate terms`);
      const own = new Set(c.synonyms.map((s) => s.toLowerCase()));
      for (const t of c.terms) {
        if (t === '' || t !== t.trim().toLowerCase() || own.has(t)) offenders.push(`${c.name}: ${JSON.stringify(t)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('when terms are listed, then no stop-list term appears and none covers more than the cut-off', () => {
    const coverage = new Map<string, number>();
    const stopped: string[] = [];
    for (const c of IMAGENET_CLASSES) {
      for (const t of c.terms) {
        if (STOP_TERMS.has(t)) stopped.push(`${c.name}: ${t}`);
        coverage.set(t, (coverage.get(t) ?? 0) + 1);
      }
    }
    expect(stopped).toEqual([]);
    expect([...coverage].filter(([, n]) => n > MAX_COVERAGE * IMAGENET_CLASSES.length)).toEqual([]);
    expect(coverage.get('animal')).toBeGreaterThan(300);
  });
});
