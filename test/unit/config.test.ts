import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('when the environment is empty, then the defaults make a laptop start work', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      production: false, port: 3000, uploadDir: path.resolve('uploads'), databasePath: path.resolve('data/image-repo.db'),
      dataDir: path.resolve('data'), maxUserBytes: undefined, sessionSecret: undefined, demoUser: true, trustProxy: false,
      maxFileBytes: 25 * 1024 * 1024, maxFiles: 100, maxPixels: 100_000_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when NODE_ENV=production without SESSION_SECRET, then start-up is refused, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
  });

  it('when in production, then the demo user is off unless asked for', () => {
    const secret = 's'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret }).demoUser).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, DEMO_USER: 'true' }).demoUser).toBe(true);
  });

  it.each([
    ['PORT', 'abc'], ['PORT', '70000'], ['PORT', '-1'], ['DEMO_USER', 'maybe'], ['SESSION_SECRET', 'short'],
    ['MAX_FILE_MB', '0'], ['CLASSIFIER_THREADS', '1.5'], ['LOG_LEVEL', 'loud'], ['TRUST_PROXY', 'a;b'],
  ])('when %s=%j, then the error names the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('when paths are relative, then the config holds them resolved against the working directory', () => {
    const config = loadConfig({ DATA_DIR: 'd', UPLOAD_DIR: './up', DATABASE_PATH: 'x/y.db', MODEL_DIR: 'm' });
    expect(config).toMatchObject({
      dataDir: path.resolve('d'), uploadDir: path.resolve('up'), databasePath: path.resolve('x/y.db'), modelDir: path.resolve('m'),
    });
    expect(loadConfig({ DATA_DIR: 'd' }).databasePath).toBe(path.resolve('d/image-repo.db'));
  });

  it('when MAX_USER_GB is set, then it is a byte quota; a bad value names the variable', () => {
    expect(loadConfig({ MAX_USER_GB: '1.5' }).maxUserBytes).toBe(1.5 * 2 ** 30);
    for (const bad of ['0', '-1', 'lots', '1e3']) expect(() => loadConfig({ MAX_USER_GB: bad })).toThrow('MAX_USER_GB');
  });

  it('when values are given, then they are used', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_PATH: '/tmp/x.db', UPLOAD_DIR: '/tmp/up', MODEL_DIR: '/m', TRUST_PROXY: '1', DEMO_USER: 'off' });
    expect(config).toMatchObject({ port: 8080, databasePath: '/tmp/x.db', uploadDir: '/tmp/up', modelDir: '/m', trustProxy: 1, demoUser: false });
  });
});
