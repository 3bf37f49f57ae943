import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedPhotos, repoRoot, tempFolder } from '../helpers/fixtures.js';
import { killAllLiveServers, type LiveServer, logIn, startLiveServer } from '../helpers/live-server.js';

const noNetwork = pathToFileURL(path.join(import.meta.dirname, '../helpers/no-network.mjs')).href;

let folder: Awaited<ReturnType<typeof tempFolder>>;
let server: LiveServer;

beforeAll(async () => {
  folder = await tempFolder('image-repo-shipped-model-');
  // `npm start` on a fresh checkout: no MODEL_DIR at all (startLiveServer passes on only PATH from this
  // environment), and no way out to the network from the thread that used to download the model.
  server = await startLiveServer({
    DATA_DIR: folder.path('data'), UPLOAD_DIR: folder.path('uploads'), LOG_LEVEL: 'info', NODE_OPTIONS: `--import ${noNetwork}`,
  });
}, 120_000);

afterAll(async () => {
  await killAllLiveServers();
  await folder?.cleanup();
});

describe('a fresh checkout started with no MODEL_DIR and no network', () => {
  it('when it starts, then it loads the MobileNet in models/ and says the model is ready', async () => {
    const entries = server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const loaded = entries.find((entry) => entry.msg === 'MobileNet loaded');
    expect(loaded, server.output()).toBeDefined();
    expect(loaded.modelDir).toBe(path.join(repoRoot, 'models/mobilenet_v2_1.0_224'));
    const health = await fetch(`${server.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: true, storage: true, model: true });
  });

  it('when the real photographs are uploaded, then each gets three labels, one of them a class it should get', async () => {
    const photos = expectedPhotos();
    const { cookie, token } = await logIn(server.base);
    const form = new FormData();
    form.append('visibility', 'private');
    for (const photo of photos) form.append('images', new Blob([new Uint8Array(readFileSync(photo.file))]), photo.name);
    const res = await fetch(`${server.base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { image?: { originalName: string; classified: boolean; labels: { name: string }[] } }[] };
    expect(results).toHaveLength(photos.length);
    for (const photo of photos) {
      const image = results.find((r) => r.image?.originalName === photo.name)?.image;
      expect(image?.classified, photo.name).toBe(true);
      expect(image!.labels, photo.name).toHaveLength(3);
      expect(image!.labels.some((l) => photo.expect.includes(l.name)), `${photo.name}: ${JSON.stringify(image!.labels)}`).toBe(true);
    }
  });

  it('when its upload folder disappears, then /healthz answers 503 naming storage', async () => {
    rmSync(folder.path('uploads'), { recursive: true });
    const health = await fetch(`${server.base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', database: true, storage: false, model: true });
  });
});
