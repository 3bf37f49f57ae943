import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const S3 = { S3_BUCKET: 'images', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'secret-example' };

describe('S3 settings', () => {
  it('when S3_BUCKET is unset, then images stay on disk', () => {
    expect(loadConfig({}).s3).toBeUndefined();
  });

  it('when S3_BUCKET and its keys are set, then the defaults suit AWS', () => {
    const config = loadConfig(S3);
    expect(config.s3).toEqual({
      bucket: 'images', endpoint: undefined, region: 'us-east-1', accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret-example', forcePathStyle: false, prefix: '',
    });
    expect(Object.isFrozen(config.s3)).toBe(true);
  });

  it('when S3_ENDPOINT is set, then path style is the default (S3-compatible stores), and it can be turned off', () => {
    const own = { ...S3, S3_ENDPOINT: 'http://127.0.0.1:8080/' };
    expect(loadConfig(own).s3).toMatchObject({ endpoint: 'http://127.0.0.1:8080', forcePathStyle: true });
    expect(loadConfig({ ...own, S3_FORCE_PATH_STYLE: 'false' }).s3?.forcePathStyle).toBe(false);
  });

  it('when S3_PREFIX is set, then it ends in exactly one slash, and S3_REGION is used', () => {
    expect(loadConfig({ ...S3, S3_PREFIX: '/repo/images/', S3_REGION: 'eu-west-3' }).s3).toMatchObject({ prefix: 'repo/images/', region: 'eu-west-3' });
    expect(loadConfig({ ...S3, S3_PREFIX: 'repo' }).s3?.prefix).toBe('repo/');
  });

  it.each(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'])('when S3_BUCKET is set without %s, then start-up is refused, naming it', (name) => {
    expect(() => loadConfig({ ...S3, [name]: '' })).toThrow(`${name} must be set when S3_BUCKET is`);
  });

  it.each(['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_PREFIX'])('when %s is set without S3_BUCKET, then start-up is refused, naming both', (name) => {
    expect(() => loadConfig({ [name]: 'x' })).toThrow(new RegExp(`${name} is set but S3_BUCKET is not`));
  });

  it.each([
    ['S3_BUCKET', 'Images'], ['S3_BUCKET', 'ab'], ['S3_BUCKET', 'a_b_c'], ['S3_BUCKET', '-abc'], ['S3_BUCKET', 'a..b'],
    ['S3_ENDPOINT', 'ftp://host'], ['S3_ENDPOINT', 'not a url'], ['S3_REGION', 'EU West'], ['S3_PREFIX', 'a b'],
    ['S3_FORCE_PATH_STYLE', 'sometimes'],
  ])('when %s=%j, then the error names the variable', (name, value) => {
    expect(() => loadConfig({ ...S3, [name]: value })).toThrow(name);
  });

  it('when S3_ENDPOINT holds credentials, then start-up is refused without repeating them', () => {
    expect(() => loadConfig({ ...S3, S3_ENDPOINT: 'https://key:hunter2@s3.example.com' })).toThrow(/^(?!.*hunter2).*S3_ENDPOINT must not hold credentials/);
  });
});

describe('DATABASE_URL', () => {
  const SECRET = 'a-secret-every-server-of-this-library-shares';
  it('when unset, then the app keeps its SQLite file', () => {
    expect(loadConfig({}).databaseUrl).toBeUndefined();
  });

  it.each(['postgres://app:pw@db.internal:5432/images', 'postgresql://app@localhost/images?sslmode=require', 'postgres:///images?host=/run/postgresql'])(
    'when it is %s, then it is kept as given', (url) => {
      expect(loadConfig({ DATABASE_URL: url, SESSION_SECRET: SECRET }).databaseUrl).toBe(url);
    });

  it('when DATABASE_POOL_SIZE is below 2, then start-up is refused, naming it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/images', SESSION_SECRET: SECRET, DATABASE_POOL_SIZE: '1' })).toThrow(/DATABASE_POOL_SIZE must be a whole number from 2 to 100/);
  });

  it('when SESSION_SECRET is not set, then start-up is refused, naming it: every server must sign cookies alike', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/images' })).toThrow(/SESSION_SECRET must be set when DATABASE_URL is/);
  });

  it('when it is not a postgres URL, then start-up is refused, naming it, without repeating a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:hunter2@db/images' })).toThrow(/^(?!.*hunter2).*DATABASE_URL must start with postgres:\/\//);
    expect(() => loadConfig({ DATABASE_URL: 'app:hunter2@db/images' })).toThrow(/^(?!.*hunter2).*DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url hunter2' })).toThrow(/^(?!.*hunter2).*DATABASE_URL must be a URL/);
  });

  it('when DATABASE_PATH is set too, then start-up is refused, naming both', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/images', DATABASE_PATH: '/data/x.db' })).toThrow(/DATABASE_URL and DATABASE_PATH/);
  });
});
