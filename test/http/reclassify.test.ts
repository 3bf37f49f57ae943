import { describe, expect, it } from 'vitest';
import { createTestApp, signedInAgent, upload, reclassifyDeps } from '../helpers/app.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { noiseImage, twoColourPng } from '../helpers/fixtures.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { fillDetails, fillPalettes, reclassifyAll } from '../../src/images/reclassify.js';

describe('npm run reclassify', () => {
  it('when images were stored without a model, then reclassify labels them once, with search terms, and leaves no scratch files', async () => {
    const t = await createTestApp({ classifier: undefined });
    const agent = await signedInAgent(t, 'late');
    const res = await upload(agent, [{ name: 'a.jpg', data: await noiseImage('jpeg') }, { name: 'b.png', data: await noiseImage('png') }]);
    expect(res.body.results.every((r: { image: { classified: boolean } }) => !r.image.classified)).toBe(true);
    const images = createImagesRepo(t.db);
    const classifier = fakeClassifier();
    const deps = { ...reclassifyDeps(t), images, classifier };
    expect(await reclassifyAll(deps)).toEqual({ classified: 2, failed: 0 });
    expect(await reclassifyAll(deps)).toEqual({ classified: 0, failed: 0 });
    expect(classifier.calls).toBe(2);
    expect(await t.labelCount()).toBe(6);
    const found = await agent.get('/search?q=cat').set('Accept', 'application/json');
    expect(found.body.total).toBe(2);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when images were stored before their details were read, then reclassify reads date taken, camera and place from the originals, with progress', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'early');
    const { default: sharp } = await import('sharp');
    const withDate = await sharp(await noiseImage('jpeg')).withExif({ IFD0: { Make: 'Pixel' }, IFD2: { DateTimeOriginal: '2018:03:09 07:15:00', OffsetTimeOriginal: '+01:00' } }).jpeg().toBuffer();
    const res = await upload(agent, [{ name: 'old.jpg', data: withDate }, { name: 'plain.png', data: await noiseImage('png') }]);
    const [dated, plain] = res.body.results.map((r: { image: { id: string } }) => r.image.id);
    // As migration 011 leaves an image stored before it.
    await t.rows`UPDATE images SET details = NULL, taken_at = NULL, taken_offset = NULL, shot_at = created_at`;
    expect((await agent.get(`/images/${dated}`).set('Accept', 'application/json')).body.image.details).toBeNull();
    const deps = reclassifyDeps(t);
    const steps: string[] = [];
    expect(await fillDetails(deps, (done, total) => steps.push(`${done}/${total}`))).toEqual({ read: 2, failed: 0 });
    expect(steps).toEqual(['1/2', '2/2']);
    expect(await fillDetails(deps)).toEqual({ read: 0, failed: 0 });
    const image = (await agent.get(`/images/${dated}`).set('Accept', 'application/json')).body.image;
    expect(image.takenAt).toBe('2018-03-09T07:15:00+01:00');
    expect(image.details.make).toBe('Pixel');
    expect((await agent.get(`/images/${plain}`).set('Accept', 'application/json')).body.image.details.make).toBeNull();
    // By date taken, the 2018 photo now comes after the one whose upload time stands for its date.
    const list = await agent.get('/?sort=taken').set('Accept', 'application/json');
    expect(list.body.images.map((i: { id: string }) => i.id)).toEqual([plain, dated]);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when images were stored before palettes were read, then reclassify reads them from the originals, with progress, and search ranks by them', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'early');
    // 70% white, 30% red: red is no colour tag, only the palette knows it.
    const res = await upload(agent, [{ name: 'flag.png', data: await twoColourPng('#d01010', '#ffffff', 0.3) }]);
    const id = res.body.results[0].image.id;
    expect((await agent.get('/search?q=red').set('Accept', 'application/json')).body.total).toBe(1);
    // As migration 012 leaves an image stored before it: no palette, terms from the colour tag alone.
    await t.rows`UPDATE images SET palette = NULL`;
    await t.rows`DELETE FROM image_terms WHERE term = 'red'`;
    expect((await agent.get('/search?q=red').set('Accept', 'application/json')).body.total).toBe(0);
    const deps = reclassifyDeps(t);
    const steps: string[] = [];
    expect(await fillPalettes(deps, (done, total) => steps.push(`${done}/${total}`))).toEqual({ read: 1, failed: 0 });
    expect(steps).toEqual(['1/1']);
    expect(await fillPalettes(deps)).toEqual({ read: 0, failed: 0 });
    const found = await agent.get('/search?q=red').set('Accept', 'application/json');
    expect(found.body.images.map((i: { id: string }) => i.id)).toEqual([id]);
    expect(found.body.images[0].match.terms).toEqual([{ term: 'red', strength: 0.3 }]);
    expect(found.body.images[0].palette.map((c: { name: string }) => c.name)).toEqual(['white', 'red']);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });
});
