import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(repoRoot, '../shared');
/** The model the app ships with, as a user runs it. */
export const modelDir = process.env.MODEL_DIR ?? path.join(repoRoot, 'models/mobilenet_v2_1.0_224');
export const photosDir = path.join(sharedDir, 'testdata/photos');
/** Git-ignored: generated photos, the compiled app, databases, logs. */
export const outDir = path.join(repoRoot, 'bench/out');
