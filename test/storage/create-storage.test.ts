import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createStorage } from '../../src/storage/index.js';

const S3 = { S3_BUCKET: 'images', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'secret-example' };

describe('createStorage', () => {
  it('when S3_BUCKET is set, then createStorage chooses S3, and the disk otherwise', async () => {
    const s3 = createStorage(loadConfig({ ...S3, S3_ENDPOINT: 'http://127.0.0.1:9' }));
    await expect(s3.check()).rejects.toThrow(/S3_ENDPOINT http:\/\/127\.0\.0\.1:9 did not answer/);
    s3.close();
    const disk = createStorage(loadConfig({ UPLOAD_DIR: '/nonexistent/uploads' }));
    await expect(disk.check()).rejects.toThrow(/UPLOAD_DIR \(\/nonexistent\/uploads\)/);
  });
});
