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
  });
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
