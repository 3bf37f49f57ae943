import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('when the environment is empty, then the defaults make a laptop start work', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      production: false, port: 3000, uploadDir: 'uploads', databasePath: 'data/image-repo.db',
      modelDir: undefined, sessionSecret: undefined, demoUser: true, trustProxy: false,
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

  it('when values are given, then they are used', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_PATH: '/tmp/x.db', UPLOAD_DIR: '/tmp/up', MODEL_DIR: '/m', TRUST_PROXY: '1', DEMO_USER: 'off' });
    expect(config).toMatchObject({ port: 8080, databasePath: '/tmp/x.db', uploadDir: '/tmp/up', modelDir: '/m', trustProxy: 1, demoUser: false });
  });
});
