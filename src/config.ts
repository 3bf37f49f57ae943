import { availableParallelism } from 'node:os';
import path from 'node:path';

export type Config = Readonly<{
  production: boolean;
  port: number;
  dataDir: string;
  databasePath: string;
  uploadDir: string;
  /** MODEL_DIR, or else the MobileNet v2 that ships in the repository's models/ folder. */
  modelDir: string;
  /** Unset outside production means: make one and keep it in dataDir. */
  sessionSecret: string | undefined;
  demoUser: boolean;
  trustProxy: boolean | number | string;
  logLevel: string;
  bcryptCost: number;
  classifierThreads: number;
  maxFileBytes: number;
  maxFiles: number;
  maxPixels: number;
  /** Bytes one user may keep stored; undefined means no quota. */
  maxUserBytes: number | undefined;
  /** DATABASE_URL (postgres://...); undefined means the SQLite file at databasePath. */
  databaseUrl: string | undefined;
  /** Connections each server keeps to PostgreSQL (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  /** Set when S3_BUCKET is: originals and thumbnails go to that bucket instead of UPLOAD_DIR. */
  s3: S3Config | undefined;
  /** GET /metrics answers only with this bearer token; undefined means no /metrics at all. */
  metricsToken: string | undefined;
}>;

export type S3Config = Readonly<{
  bucket: string;
  /** Undefined means AWS's own endpoint for the region. */
  endpoint: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`: what most S3-compatible stores need. */
  forcePathStyle: boolean;
  /** Put before every key: '' or a folder-like prefix ending in '/'. */
  prefix: string;
}>;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the environment once; a bad value names its variable. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  // Absolute from here on: res.sendFile refuses a relative path, and a path that meant one folder at start-up
  // must not mean another if something changes the working directory later.
  const dataDir = path.resolve(env.DATA_DIR || 'data');
  const sessionSecret = env.SESSION_SECRET || undefined;
  if (production && !sessionSecret) {
    throw new ConfigError('SESSION_SECRET must be set when NODE_ENV=production');
  }
  const postgresUrl = databaseUrl(env);
  // Servers that share a database share their sessions, so they must sign cookies alike: a secret made up on
  // each host would make every server refuse the cookies of the others.
  if (postgresUrl && !sessionSecret) {
    throw new ConfigError('SESSION_SECRET must be set when DATABASE_URL is: every server on the database must sign cookies with the same secret');
  }
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters long');
  }
  return Object.freeze({
    production,
    port: integer(env, 'PORT', 3000, 0, 65535),
    dataDir,
    databasePath: env.DATABASE_PATH === ':memory:' ? ':memory:' : path.resolve(env.DATABASE_PATH || path.join(dataDir, 'image-repo.db')),
    uploadDir: path.resolve(env.UPLOAD_DIR || 'uploads'),
    // From this file's folder, not the working directory: the same from src/ and dist/, wherever npm start runs.
    modelDir: path.resolve(env.MODEL_DIR || path.join(import.meta.dirname, '../models/mobilenet_v2_1.0_224')),
    sessionSecret,
    demoUser: boolean(env, 'DEMO_USER', !production),
    trustProxy: trustProxy(env.TRUST_PROXY),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bcryptCost: integer(env, 'BCRYPT_COST', 12, 4, 15),
    classifierThreads: integer(env, 'CLASSIFIER_THREADS', availableParallelism(), 1, 16),
    maxFileBytes: integer(env, 'MAX_FILE_MB', 25, 1, 1024) * 1024 * 1024,
    maxFiles: integer(env, 'MAX_FILES', 100, 1, 1000),
    maxPixels: integer(env, 'MAX_MEGAPIXELS', 100, 1, 1000) * 1_000_000,
    maxUserBytes: gigabytes(env, 'MAX_USER_GB', 0.001, 1_000_000),
    databaseUrl: postgresUrl,
    // At least 2: the background sweep holds one connection for its lock while its queries use another.
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 2, 100),
    s3: s3(env),
    metricsToken: metricsToken(env.METRICS_TOKEN),
  });
}

function metricsToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  // It guards what the process reveals about its load and its users' activity: not a word to guess.
  if (raw.length < 24 || /\s/.test(raw)) throw new ConfigError('METRICS_TOKEN must be at least 24 characters, with no spaces (openssl rand -hex 16 makes one)');
  return raw;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** A positive decimal in GB (2**30 bytes), or undefined when unset. */
function gigabytes(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number of GB from ${min} to ${max}, got "${raw}"`);
  }
  return Math.round(value * 2 ** 30);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function oneOf(env: Env, name: string, allowed: string[], fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw;
}

/** Express's own forms: true/false, a hop count, or a list of trusted addresses. */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[\w.:/, -]+$/.test(raw)) return raw;
  throw new ConfigError(`TRUST_PROXY must be true, false, a hop count or a list of addresses, got "${raw}"`);
}

/** A postgres:// URL, checked without ever echoing it: it usually holds a password. */
function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  if (env.DATABASE_PATH) throw new ConfigError('DATABASE_URL and DATABASE_PATH are both set: choose PostgreSQL or the SQLite file');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL must be a URL like postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  return raw;
}

const S3_SETTINGS = ['S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE', 'S3_PREFIX'];

/** S3 storage when S3_BUCKET is set; S3 settings without it are a mistake (a typo in its name, say), not a wish for the disk. */
function s3(env: Env): S3Config | undefined {
  const bucket = env.S3_BUCKET;
  if (bucket === undefined || bucket === '') {
    const stray = S3_SETTINGS.find((name) => env[name]);
    if (stray) throw new ConfigError(`${stray} is set but S3_BUCKET is not: set S3_BUCKET to store images in S3, or unset ${stray}`);
    return undefined;
  }
  // S3's rules for bucket names (which virtual-hosted addresses need): 3-63 lower-case letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(`S3_BUCKET must be 3 to 63 lower-case letters, digits, dots and hyphens, got "${bucket}"`);
  }
  for (const name of ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) {
    if (!env[name]) throw new ConfigError(`${name} must be set when S3_BUCKET is`);
  }
  const endpoint = s3Endpoint(env.S3_ENDPOINT);
  const region = env.S3_REGION || 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError(`S3_REGION must be a region name like us-east-1, got "${region}"`);
  const prefix = (env.S3_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix)) {
    throw new ConfigError(`S3_PREFIX must be folder names of letters, digits, dots, hyphens and underscores joined by /, got "${env.S3_PREFIX}"`);
  }
  return Object.freeze({
    bucket,
    endpoint,
    region,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    // Path style by default for any endpoint of one's own: S3-compatible stores rarely have a DNS name per bucket.
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
    prefix: prefix && `${prefix}/`,
  });
}

function s3Endpoint(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url && (url.username || url.password)) {
    throw new ConfigError('S3_ENDPOINT must not hold credentials: give them as S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search) {
    throw new ConfigError(`S3_ENDPOINT must be an http:// or https:// address like https://s3.example.com, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}
