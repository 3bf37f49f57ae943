import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PIXEL_BYTES } from '../../src/images/classifier.js';
import { resolveModelDir, TFHUB_MODEL_URL } from '../../src/images/model-source.js';
import { loadTfjsClassifier } from '../../src/images/tfjs-classifier.js';
import * as fx from '../helpers/fixtures.js';

/** A fetch that serves the shared model as TF Hub would, and records what it was asked for. */
function fakeHub(opts: { failOn?: string; asPublished?: boolean } = {}) {
  const requested: string[] = [];
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    requested.push(url);
    const match = url.match(/^(.*)\/([^/?]+)\?tfjs-format=file$/);
    if (!match || match[1] !== TFHUB_MODEL_URL) return new Response('not found', { status: 404 });
    if (match[2] === opts.failOn) return new Response('overloaded', { status: 503 });
    if (match[2] === 'model.json' && opts.asPublished) {
      // TF Hub's own model.json says nothing about the input range.
      const { userDefinedMetadata: _, ...published } = JSON.parse(await readFile(path.join(fx.modelDir, 'model.json'), 'utf8'));
      return Response.json(published);
    }
    try {
      return new Response(await readFile(path.join(fx.modelDir, match[2])));
    } catch {
      return new Response('not found', { status: 404 });
    }
  }) as typeof fetch;
  return { fetch: fetchFn, requested };
}

let folder: Awaited<ReturnType<typeof fx.tempFolder>>;
beforeEach(async () => (folder = await fx.tempFolder()));
afterEach(() => folder.cleanup());

describe('resolveModelDir', () => {
  test('when a model folder is configured and has model.json, then that folder is used', async () => {
    expect(await resolveModelDir({ modelDir: fx.modelDir, cacheDir: folder.dir })).toBe(path.resolve(fx.modelDir));
  });

  test('when the configured folder has no model.json, then a clear error names it', async () => {
    await expect(resolveModelDir({ modelDir: folder.dir, cacheDir: folder.path('cache') })).rejects.toThrow(
      `model folder ${folder.dir} has no model.json`,
    );
  });

  test('when no folder is configured, then the model is fetched from TF Hub once and cached', async () => {
    const cacheDir = folder.path('cache');
    const hub = fakeHub();
    expect(await resolveModelDir({ cacheDir, fetch: hub.fetch })).toBe(cacheDir);
    expect(hub.requested[0]).toBe(`${TFHUB_MODEL_URL}/model.json?tfjs-format=file`);
    expect(hub.requested).toHaveLength(5); // model.json and four shards
    for (const shard of readdirSync(fx.modelDir).filter((f) => f.endsWith('.bin'))) {
      expect(readFileSync(path.join(cacheDir, shard)).equals(readFileSync(path.join(fx.modelDir, shard)))).toBe(true);
    }
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const again = fakeHub();
    expect(await resolveModelDir({ cacheDir, fetch: again.fetch })).toBe(cacheDir);
    expect(again.requested).toEqual([]);

    const classifier = await loadTfjsClassifier(cacheDir);
    expect(await classifier.classify(new Uint8Array(PIXEL_BYTES))).toHaveLength(3);
    await classifier.close();
  });

  test('when the downloaded model.json has no input range, then the TF Hub range [0, 1] is recorded', async () => {
    const cacheDir = folder.path('cache');
    await resolveModelDir({ cacheDir, fetch: fakeHub({ asPublished: true }).fetch });
    const meta = JSON.parse(readFileSync(path.join(cacheDir, 'model.json'), 'utf8')).userDefinedMetadata;
    expect(meta).toEqual({ inputRange: [0, 1], source: TFHUB_MODEL_URL });
  });

  test('when a download fails half way, then nothing looks complete and the next try finishes it', async () => {
    const cacheDir = folder.path('cache');
    await expect(resolveModelDir({ cacheDir, fetch: fakeHub({ failOn: 'group1-shard3of4.bin' }).fetch })).rejects.toThrow(/503/);
    expect(existsSync(path.join(cacheDir, 'model.json'))).toBe(false);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const retry = fakeHub();
    expect(await resolveModelDir({ cacheDir, fetch: retry.fetch })).toBe(cacheDir);
    expect(existsSync(path.join(cacheDir, 'model.json'))).toBe(true);
  });

  test('when model.json names a weight file outside its folder, then the download is refused', async () => {
    const evil = (async (input: string | URL | Request) =>
      String(input).includes('model.json')
        ? Response.json({ weightsManifest: [{ paths: ['../escape.bin'], weights: [] }] })
        : new Response('x')) as typeof fetch;
    await expect(resolveModelDir({ cacheDir: folder.path('cache'), fetch: evil })).rejects.toThrow(/outside its folder/);
    expect(existsSync(folder.path('escape.bin'))).toBe(false);
  });
});
