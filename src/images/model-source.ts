import { stat } from 'node:fs/promises';
import path from 'node:path';

type ModelJson = { weightsManifest?: { paths: string[] }[] };

/**
 * The model folder, checked before any worker starts: one clear message instead of an error from each worker.
 * The model ships in the repository (models/), so nothing is ever downloaded (see README, Decisions).
 */
export async function checkedModelDir(modelDir: string): Promise<string> {
  const dir = path.resolve(modelDir);
  if (!(await isFile(path.join(dir, 'model.json')))) {
    throw new Error(`model folder ${dir} has no model.json (check MODEL_DIR)`);
  }
  return dir;
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

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
