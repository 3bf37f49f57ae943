// First, so it sees which threads exist before any work starts (see cpu-priority.ts).
import { lowerBackgroundThreads } from './cpu-priority.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './app.js';
import { databaseRefusal, describeDatabase, openDatabase } from './db/index.js';
import { startCheckpointer } from './db/checkpointer.js';
import { createLogger } from './log.js';
import { createPasswords } from './auth/passwords.js';
import { ensureDemoUser } from './auth/demo-user.js';
import { createUsersRepo } from './auth/users.js';
import { sessionSecretFor } from './session-secret.js';
import { createImagesRepo } from './images/images-repo.js';
import { loadClassifier } from './images/load-classifier.js';
import { clearIncoming, refuseForeignUploads, sweepUnfinished } from './images/storage.js';
import { startSharedSweeper } from './images/sweeper.js';
import { startTrashPurger } from './trash/purge.js';
import { createTrashRepo } from './trash/trash-repo.js';
import { startRanker } from './images/ranker.js';
import { warmPalette } from './images/palette.js';
import { createStorage, describeStorage } from './storage/index.js';

const HEADERS_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  // Readable lines for a person at a terminal; JSON for pipes, files and log collectors.
  const logger = createLogger(config.logLevel, undefined, { pretty: process.stdout.isTTY === true });
  const db = await openDatabase(config, logger).catch((err: Error) => Promise.reject(databaseRefusal(config, err)));
  const images = createImagesRepo(db);
  const storage = createStorage(config, { logger });
  // The sweep first: a crash during the very first upload leaves its files (recorded as pending) beside a
  // database with no image yet, which is no reason to refuse. A shared database is swept in the background
  // instead, and only of records old enough that no other server's upload can still be writing them.
  const shared = db.dialect === 'postgres';
  const unfinished = shared ? (await clearIncoming(config.uploadDir), 0) : await sweepUnfinished(config.uploadDir, storage, images);
  // A bucket that is missing or read-only stops start-up here, not at the first upload.
  await storage.check().catch((err: Error) => Promise.reject(new ConfigError(err.message)));
  await refuseForeignUploads(storage, { where: describeStorage(config), database: describeDatabase(config) }, images);
  // SQLite's own machinery; PostgreSQL checkpoints by itself.
  const checkpointer = db.sqlite ? startCheckpointer(db.sqlite, config.databasePath, logger) : undefined;
  const sweeper = shared ? startSharedSweeper({ db, storage, images, logger }) : undefined;
  const purger = startTrashPurger({ db, trash: createTrashRepo(db), images, storage, logger });
  const ranker = startRanker({ db, images, logger });
  const passwords = createPasswords(config.bcryptCost);
  // The model loads in worker threads while this thread seeds the demo user.
  const loadingClassifier = loadClassifier(config, logger);
  if (config.demoUser) await ensureDemoUser(createUsersRepo(db), passwords);
  if (unfinished > 0) logger.warn({ images: unfinished }, 'removed the files of uploads and deletes that never finished');
  const classifier = await loadingClassifier;
  warmPalette();
  // The password threads too must exist before priorities are lowered (under tsx a worker adds a loader thread).
  await passwords.started();
  await lowerBackgroundThreads();

  const { app, close } = createApp({
    config, db, storage, logger, passwords, classifier,
    sessionSecret: sessionSecretFor(config.sessionSecret, config.dataDir),
  });
  // Node cuts a request whose headers take over 60 s, but looks only every 30 s by default: every 5 s, a
  // client trickling headers holds its connection for 60-65 s instead of up to 90.
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 5_000 }, app);
  server.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ port }, `Image Repo listening on http://localhost:${port}`);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    server.close(async () => {
      await close();
      await Promise.all([sweeper?.stop(), purger.stop(), ranker.stop(), classifier?.close(), checkpointer?.stop(), passwords.close()]);
      await db.close();
      storage.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err instanceof Error ? err.message : err);
  process.exit(1);
});
