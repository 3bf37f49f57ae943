import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where @tensorflow-models/mobilenet 2.1.1 loads MobileNet v2, alpha 1.0 from (with `fromTFHub`). */
export const TFHUB_MODEL_URL = 'https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/2';
const TFHUB_QUERY = '?tfjs-format=file';
/** TF Hub image models take [0, 1]; mobilenet 2.1.1 says so in its own table. */
const TFHUB_INPUT_RANGE = [0, 1];

type ModelJson = {
  weightsManifest?: { paths: string[] }[];
  userDefinedMetadata?: Record<string, unknown>;
};

/**
 * The folder to load the model from: the configured one, or a cache filled from TF Hub on first use.
 * model.json is written last, so a cache that has it is complete.
 */
export async function resolveModelDir(opts: { modelDir?: string; cacheDir: string; fetch?: typeof fetch }): Promise<string> {
  if (opts.modelDir) {
    const dir = path.resolve(opts.modelDir);
    if (!(await isFile(path.join(dir, 'model.json')))) {
      throw new Error(`model folder ${dir} has no model.json (check MODEL_DIR)`);
    }
    return dir;
  }
  const cacheDir = path.resolve(opts.cacheDir);
  if (!(await isFile(path.join(cacheDir, 'model.json')))) {
    await download(cacheDir, opts.fetch ?? fetch);
  }
  return cacheDir;
}

/** The weight file names a model.json lists, refusing any that would reach outside its folder. */
export function shardNames(json: ModelJson): string[] {
  const names = (json.weightsManifest ?? []).flatMap((group) => group.paths);
  for (const name of names) {
    if (name !== path.basename(name) || name === '.' || name === '..' || name.includes('\\')) {
      throw new Error(`model.json names a weight file outside its folder: ${name}`);
    }
  }
  return names;
}

async function download(cacheDir: string, fetchFn: typeof fetch): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const json = JSON.parse((await fetchBytes(fetchFn, 'model.json')).toString('utf8')) as ModelJson;
  for (const name of shardNames(json)) {
    await writeAtomically(path.join(cacheDir, name), await fetchBytes(fetchFn, name));
  }
  // Record the input range so the classifier scales pixels the way this model was trained.
  json.userDefinedMetadata = { inputRange: TFHUB_INPUT_RANGE, ...json.userDefinedMetadata, source: TFHUB_MODEL_URL };
  await writeAtomically(path.join(cacheDir, 'model.json'), Buffer.from(JSON.stringify(json)));
}

async function fetchBytes(fetchFn: typeof fetch, name: string): Promise<Buffer> {
  const url = `${TFHUB_MODEL_URL}/${name}${TFHUB_QUERY}`;
  const response = await fetchFn(url);
  if (!response.ok) throw new Error(`could not download the model: ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function writeAtomically(target: string, data: Buffer): Promise<void> {
  const temp = `${target}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

