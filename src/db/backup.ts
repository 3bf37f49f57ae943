// npm run backup -- FILE: a consistent copy of the live database, taken while the app keeps running.
import Database from 'better-sqlite3';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config.js';

export class BackupError extends Error {}

export type BackupResult = { source: string; target: string; pages: number; bytes: number; integrity: string };

// Every remaining page in one step: a single read transaction, so writers elsewhere (WAL) cannot make it restart.
const ALL_PAGES = 0x7fffffff;

/**
 * SQLite's online backup API on a connection of its own. The copy is switched to a rollback journal so it is
 * one self-contained file (the app turns WAL back on when it opens it), then checked with integrity_check.
 */
export async function backupDatabase(sourcePath: string, targetPath: string): Promise<BackupResult> {
  const source = path.resolve(sourcePath);
  const target = path.resolve(targetPath);
  if (!existsSync(source)) throw new BackupError(`there is no database at ${source} (set DATABASE_PATH or DATA_DIR as the app has them)`);
  if (target === source) throw new BackupError('the backup file cannot be the database itself');
  if (existsSync(target)) throw new BackupError(`${target} already exists; a backup never overwrites, so choose a new file name`);
  if (!existsSync(path.dirname(target))) throw new BackupError(`the folder ${path.dirname(target)} does not exist`);

  try {
    const pages = await copyPages(source, target);
    return { source, target, pages, ...finishCopy(target) };
  } catch (err) {
    // A half-written copy must not be mistaken for a backup later.
    for (const file of [target, `${target}-journal`, `${target}-wal`, `${target}-shm`]) rmSync(file, { force: true });
    throw err;
  }
}

async function copyPages(source: string, target: string): Promise<number> {
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return (await db.backup(target, { progress: () => ALL_PAGES })).totalPages;
  } finally {
    db.close();
  }
}

function finishCopy(target: string): { bytes: number; integrity: string } {
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true }) as string;
    if (integrity !== 'ok') throw new BackupError(`the copy failed integrity_check: ${integrity}`);
    return { bytes: statSync(target).size, integrity };
  } finally {
    copy.close();
  }
}

const USAGE = 'Usage: npm run backup -- FILE\n  FILE  a new file for the copy, e.g. backups/image-repo-2026-01-31.db';

async function main(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (args.length !== 1 || !args[0].trim() || args[0].startsWith('-')) {
    console.error(args.length === 0 ? `Say where to write the backup.\n${USAGE}` : `Expected one file name, got: ${args.join(' ')}\n${USAGE}`);
    return 2;
  }
  if (env.DATABASE_URL) {
    console.error('DATABASE_URL is set: the rows are in PostgreSQL, so back them up with pg_dump (see "Backup and restore" in the README); this command copies the SQLite file only.');
    return 2;
  }
  // Only the paths matter here: a backup must not need SESSION_SECRET or the rest of the app's settings.
  const config = loadConfig({ DATA_DIR: env.DATA_DIR, DATABASE_PATH: env.DATABASE_PATH, UPLOAD_DIR: env.UPLOAD_DIR });
  try {
    const started = performance.now();
    const result = await backupDatabase(config.databasePath, args[0]);
    const ms = Math.round(performance.now() - started);
    console.log(`Backed up ${result.source}\n       to ${result.target} (${result.pages} pages, ${result.bytes} bytes, integrity ${result.integrity}, ${ms} ms).`);
    console.log(`Now copy the images too: ${path.resolve(config.uploadDir)} (see "Backup and restore" in the README).`);
    return 0;
  } catch (err) {
    console.error(`Backup failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
