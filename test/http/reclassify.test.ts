import { describe, expect, it } from 'vitest';
import { createTestApp, signedInAgent, upload } from '../helpers/app.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { noiseImage } from '../helpers/fixtures.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { reclassifyAll } from '../../src/images/reclassify.js';
import { createLogger } from '../../src/log.js';

describe('npm run reclassify', () => {
  it('when images were stored without a model, then reclassify labels them once, with search terms, and leaves no scratch files', async () => {
    const t = await createTestApp({ classifier: undefined });
    const agent = await signedInAgent(t, 'late');
    const res = await upload(agent, [{ name: 'a.jpg', data: await noiseImage('jpeg') }, { name: 'b.png', data: await noiseImage('png') }]);
    expect(res.body.results.every((r: { image: { classified: boolean } }) => !r.image.classified)).toBe(true);
    const images = createImagesRepo(t.db);
    const classifier = fakeClassifier();
    const deps = { images, storage: t.storage, classifier, uploadDir: t.config.uploadDir, maxPixels: t.config.maxPixels, logger: createLogger('silent') };
    expect(await reclassifyAll(deps)).toEqual({ classified: 2, failed: 0 });
    expect(await reclassifyAll(deps)).toEqual({ classified: 0, failed: 0 });
    expect(classifier.calls).toBe(2);
    expect(await t.labelCount()).toBe(6);
    const found = await agent.get('/search?q=cat').set('Accept', 'application/json');
    expect(found.body.total).toBe(2);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });
});
