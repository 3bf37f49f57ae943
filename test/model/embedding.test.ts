// The real MobileNet's embedding (its AvgPool node, kept with each image): photos of one kind of thing lie
// close, photos of unrelated things do not, and "Similar images" lists the right ones.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseImage } from '../../src/images/analysis.js';
import { ALIKE_MIN } from '../../src/images/alike.js';
import { cosine, type Embedding } from '../../src/images/embedding.js';
import { IMAGENET_CLASSES } from '../../src/imagenet/classes.js';
import { loadTfjsClassifier, type TfjsClassifier } from '../../src/images/tfjs-classifier.js';
import { createTestApp, signedInAgent, upload } from '../helpers/app.js';
import * as fx from '../helpers/fixtures.js';

let classifier: TfjsClassifier;
let folder: Awaited<ReturnType<typeof fx.tempFolder>>;
const embeddingOf = async (file: string): Promise<Embedding> =>
  (await classifier.classify((await analyseImage(file, folder.path('thumb.webp'), { maxPixels: 50_000_000 })).modelInput)).embedding!;
const photo = (name: string) => path.join(fx.photosDir, name);

beforeAll(async () => {
  folder = await fx.tempFolder();
  classifier = await loadTfjsClassifier(fx.modelDir);
}, 60_000);
afterAll(async () => Promise.all([classifier?.close(), folder?.cleanup()]));

describe('the model\'s embedding', () => {
  it('when two photos of cats and a photo of a rocket are embedded, then the cats are alike and the rocket is like neither', async () => {
    const [chelsea, cat, rocket, macaw] = await Promise.all(['skimage_chelsea.png', 'coral_cat.png', 'skimage_rocket.jpg', 'coral_parrot.png'].map((name) => embeddingOf(photo(name))));
    const lorikeet = await embeddingOf(path.join(fx.imagenetDevDir, 'n01820546_lorikeet.JPEG'));
    expect(cosine(chelsea, cat)).toBeGreaterThanOrEqual(ALIKE_MIN);
    expect(cosine(macaw, lorikeet)).toBeGreaterThanOrEqual(ALIKE_MIN);
    expect(cosine(macaw, cat)).toBeLessThan(ALIKE_MIN);
    expect(cosine(chelsea, rocket)).toBeLessThan(ALIKE_MIN);
    expect(cosine(cat, rocket)).toBeLessThan(ALIKE_MIN);
  });

  it('when the 100 ImageNet photos (100 classes) are compared pairwise, then at most 1% of the pairs whose classes share no WordNet term count as alike', { timeout: 120_000 }, async () => {
    const photos = fx.imagenetDevSet();
    const embeddings = [];
    for (const p of photos) embeddings.push(await embeddingOf(p.file));
    const terms = photos.map((p) => new Set(IMAGENET_CLASSES[p.classIndex].terms));
    const unrelated: number[] = [];
    for (let i = 0; i < photos.length; i++) {
      for (let j = i + 1; j < photos.length; j++) {
        if (![...terms[i]].some((term) => terms[j].has(term))) unrelated.push(cosine(embeddings[i], embeddings[j]));
      }
    }
    const share = unrelated.filter((x) => x >= ALIKE_MIN).length / unrelated.length;
    const median = [...unrelated].sort((a, b) => a - b)[Math.floor(unrelated.length / 2)];
    console.log(`embeddings of imagenet-dev: ${unrelated.length} pairs of unrelated classes, median cosine ${median.toFixed(3)}, ${(100 * share).toFixed(2)}% at or over ${ALIKE_MIN}`);
    expect(share).toBeLessThanOrEqual(0.01);
  });

  it('when a model\'s model.json names no embedding node, then it still labels, with no embedding', async () => {
    const dir = folder.path('no-embedding');
    mkdirSync(dir);
    for (const name of readdirSync(fx.modelDir).filter((f) => f.endsWith('.bin'))) symlinkSync(path.join(fx.modelDir, name), path.join(dir, name));
    const json = JSON.parse(readFileSync(path.join(fx.modelDir, 'model.json'), 'utf8'));
    delete json.userDefinedMetadata.embedding;
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const plain = await loadTfjsClassifier(dir);
    try {
      const pixels = (await analyseImage(photo('coral_parrot.png'), folder.path('thumb.webp'), { maxPixels: 50_000_000 })).modelInput;
      const seen = await plain.classify(pixels);
      expect(seen.labels[0].name).toBe('macaw');
      expect(seen.embedding).toBeNull();
    } finally {
      await plain.close();
    }
  });

  it('when a library holds two cats, a macaw and a rocket, then a cat\'s "Similar images" has the other cat and nothing else', { timeout: 60_000 }, async () => {
    const t = await createTestApp({ classifier });
    const kim = await signedInAgent(t, 'kim');
    const names = ['skimage_chelsea.png', 'coral_cat.png', 'coral_parrot.png', 'skimage_rocket.jpg'];
    const res = await upload(kim, names.map((name) => ({ name, data: readFileSync(photo(name)) })));
    const ids = new Map((res.body.results as { filename: string; image: { id: string } }[]).map((r) => [r.filename, r.image.id]));
    const alike = (await kim.get(`/images/${ids.get('skimage_chelsea.png')}`).set('Accept', 'application/json').expect(200)).body.alike as { id: string }[];
    expect(alike.map((a) => a.id)).toEqual([ids.get('coral_cat.png')]);
    await t.close();
  });
});
