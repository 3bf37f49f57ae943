// How often the first results are the right ones, on real photos with the real model: the 100 imagenet-dev
// photos are analysed and classified (MobileNet v2, sharp's palette) and stored through the repository, then
// everyday words are searched as a user would. A photo is relevant to a word when its true class (the
// file name) reaches the word, by the class table's own synonyms and more general terms.
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classByName, IMAGENET_CLASSES } from '../../src/imagenet/classes.js';
import { analyseImage } from '../../src/images/analysis.js';
import { nameColour } from '../../src/images/colour.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { loadTfjsClassifier } from '../../src/images/tfjs-classifier.js';
import { normaliseTerm } from '../../src/search/terms.js';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/app.js';
import * as fx from '../helpers/fixtures.js';

/** Everyday words, as a person looking for a photo types them (the issue's list, and their neighbours). */
const WORDS = [
  'animal', 'bird', 'dog', 'cat', 'fish', 'snake', 'lizard', 'frog', 'insect', 'spider', 'monkey', 'bear', 'mammal',
  'vehicle', 'car', 'boat', 'aircraft', 'train', 'food', 'fruit', 'vegetable', 'clothing', 'furniture', 'container',
  'tool', 'device', 'musical instrument', 'building', 'structure', 'covering', 'equipment', 'shop', 'ball', 'bottle',
];
/** The same words inflected: each is found through WordNet's morphology, not a list in the app. */
const PLURALS: Record<string, string> = {
  animal: 'animals', bird: 'birds', dog: 'dogs', cat: 'cats', fish: 'fishes', snake: 'snakes', lizard: 'lizards', frog: 'frogs',
  insect: 'insects', spider: 'spiders', monkey: 'monkeys', bear: 'bears', mammal: 'mammals', vehicle: 'vehicles', car: 'cars',
  boat: 'boats', train: 'trains', food: 'foods', fruit: 'fruits', vegetable: 'vegetables', furniture: 'furnitures',
  container: 'containers', tool: 'tools', device: 'devices', 'musical instrument': 'musical instruments', building: 'buildings',
  structure: 'structures', covering: 'coverings', shop: 'shops', ball: 'balls', bottle: 'bottles',
};
const FIRST = 12;

let t: TestApp;
let agent: request.Agent;
const truth = new Map<string, string>(); // image id -> true class name

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t, 'alice');
  const classifier = await loadTfjsClassifier(fx.modelDir);
  const folder = await fx.tempFolder();
  const images = createImagesRepo(t.db);
  try {
    for (const [n, photo] of fx.imagenetDevSet().entries()) {
      const analysis = await analyseImage(photo.file, folder.path('thumb.webp'), { maxPixels: 50_000_000 });
      const { labels, embedding } = await classifier.classify(analysis.modelInput);
      const image = await images.insert({
        id: crypto.randomUUID(), visibility: 'public', originalName: photo.name, format: analysis.format, bytes: 1,
        width: analysis.width, height: analysis.height, colourHex: analysis.colourHex, colourName: nameColour(analysis.colourHex),
        createdAt: n, palette: analysis.palette, embedding,
      }, { id: 1, username: 'alice' }, labels);
      truth.set(image.id, IMAGENET_CLASSES[photo.classIndex]!.name);
    }
  } finally {
    await Promise.all([classifier.close(), folder.cleanup()]);
  }
}, 240_000);
afterAll(() => t?.close());

/** Whether a class reaches a word through its synonyms or more general terms. */
const reaches = (className: string, word: string) => {
  const known = classByName(className)!;
  return [...known.synonyms, ...known.terms].some((term) => normaliseTerm(term) === word);
};
const relevantTo = (word: string) => new Set([...truth].filter(([, name]) => reaches(name, word)).map(([id]) => id));

async function firstIds(q: string, sort = ''): Promise<string[]> {
  const res = await agent.get(`/search?q=${encodeURIComponent(q)}${sort}`).set('Accept', 'application/json');
  expect(res.status).toBe(200);
  return res.body.images.map((image: { id: string }) => image.id);
}

/** The share of relevant photos among the first k = min(12, how many are relevant). */
async function precision(q: string, relevant: Set<string>, sort = ''): Promise<number> {
  const k = Math.min(FIRST, relevant.size);
  const first = (await firstIds(q, sort)).slice(0, k);
  return first.filter((id) => relevant.has(id)).length / k;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('relevance on imagenet-dev', () => {
  it('when everyday words are searched, then the first results are the right photos (mean precision >= 0.90), plurals as well as singulars', async () => {
    const rows: string[] = [];
    const singular: number[] = [];
    const plural: number[] = [];
    const newest: number[] = [];
    for (const word of WORDS) {
      const relevant = relevantTo(word);
      if (relevant.size === 0) continue;
      const p = await precision(word, relevant);
      singular.push(p);
      newest.push(await precision(word, relevant, '&sort=newest'));
      const inflected = PLURALS[word];
      const pp = inflected ? await precision(inflected, relevant) : undefined;
      if (pp !== undefined) plural.push(pp);
      rows.push(`${word.padEnd(20)} relevant ${String(relevant.size).padStart(3)}  k ${String(Math.min(FIRST, relevant.size)).padStart(2)}  precision ${p.toFixed(2)}  newest first ${newest.at(-1)!.toFixed(2)}${
        pp === undefined ? '' : `  ${inflected}: ${pp.toFixed(2)}`}`);
    }
    console.log(`Search relevance, imagenet-dev (${truth.size} photos), precision of the first k:\n${rows.join('\n')}\n` +
      `mean over ${singular.length} words: ${mean(singular).toFixed(3)} (newest first: ${mean(newest).toFixed(3)}); plurals (${plural.length}): ${mean(plural).toFixed(3)}`);
    expect(singular.length).toBeGreaterThanOrEqual(20);
    expect(mean(singular)).toBeGreaterThanOrEqual(0.9);
    expect(mean(plural)).toBeGreaterThanOrEqual(mean(singular) - 0.02);
  });

  it('when two words are searched, then the photos that both reach come before those that only one does', async () => {
    const rows: string[] = [];
    const scores: number[] = [];
    for (const [a, b] of [['dog', 'animal'], ['bird', 'animal'], ['car', 'vehicle'], ['fish', 'animal'], ['fruit', 'food'], ['boat', 'vehicle']]) {
      const both = new Set([...relevantTo(a!)].filter((id) => relevantTo(b!).has(id)));
      const either = new Set([...relevantTo(a!), ...relevantTo(b!)]);
      if (both.size === 0 || both.size === either.size) continue;
      const p = await precision(`${a}, ${b}`, both);
      scores.push(p);
      rows.push(`"${a}, ${b}": both ${both.size} of ${either.size}, precision of the first ${Math.min(FIRST, both.size)}: ${p.toFixed(2)}`);
    }
    console.log(`Two-word queries, imagenet-dev:\n${rows.join('\n')}\nmean: ${mean(scores).toFixed(3)}`);
    expect(scores.length).toBeGreaterThanOrEqual(3);
    expect(mean(scores)).toBeGreaterThanOrEqual(0.9);
  });
});
