import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';

let t: TestApp;
beforeEach(async () => void (t = await createTestApp()));
afterEach(() => t.close());

describe('a stored file that has gone missing', () => {
  it.each([['thumb', '.thumb.webp'], ['file', '.png'], ['download', '.png']])(
    'when the %s is gone from the storage, then the answer is the generic 404, naming no path, and the log says which file',
    async (route, suffix) => {
      const agent = await signedInAgent(t, 'mia');
      const id = (await upload(agent, [{ name: 'a.png', data: await solidPng('#00ff00') }])).body.results[0].image.id as string;
      await t.storage.remove(`${id}${suffix}`); // from the disk or the bucket, behind the app's back
      for (const accept of ['text/html', 'application/json']) {
        const res = await agent.get(`/images/${id}/${route}`).set('Accept', accept);
        expect(res.status).toBe(404);
        expect(res.text).not.toMatch(/ENOENT|no such file|stat '|\.thumb\.webp|\.png|NoSuchKey|bucket/i);
        expect(res.text).not.toContain(t.dir);
      }
      const unknown = await agent.get('/images/00000000-0000-4000-8000-000000000000/thumb').set('Accept', 'application/json');
      expect((await agent.get(`/images/${id}/${route}`).set('Accept', 'application/json')).body).toEqual(unknown.body);
      expect(t.logLines.some((l) => l.includes('stored file is missing') && l.includes(id))).toBe(true);
    },
  );
});
