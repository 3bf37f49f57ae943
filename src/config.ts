import { availableParallelism } from 'node:os';
import path from 'node:path';

export type Config = Readonly<{
  production: boolean;
  port: number;
  dataDir: string;
  databasePath: string;
  uploadDir: string;
  /** Unset means: download the public MobileNet once and cache it in dataDir. */
  modelDir: string | undefined;
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
}>;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the environment once; a bad value names its variable. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const dataDir = env.DATA_DIR || 'data';
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
    databasePath: env.DATABASE_PATH || path.join(dataDir, 'image-repo.db'),
    uploadDir: env.UPLOAD_DIR || 'uploads',
    modelDir: env.MODEL_DIR || undefined,
    sessionSecret,
    demoUser: boolean(env, 'DEMO_USER', !production),
    trustProxy: trustProxy(env.TRUST_PROXY),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bcryptCost: integer(env, 'BCRYPT_COST', 12, 4, 15),
    classifierThreads: integer(env, 'CLASSIFIER_THREADS', availableParallelism(), 1, 16),
    maxFileBytes: integer(env, 'MAX_FILE_MB', 25, 1, 1024) * 1024 * 1024,
    maxFiles: integer(env, 'MAX_FILES', 100, 1, 1000),
    maxPixels: integer(env, 'MAX_MEGAPIXELS', 100, 1, 1000) * 1_000_000,
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
