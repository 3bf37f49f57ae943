// First, so it sees which threads exist before any work starts (see cpu-priority.ts).
import { lowerBackgroundThreads } from './cpu-priority.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './app.js';
import { openDatabase } from './db/open.js';
import { startCheckpointer } from './db/checkpointer.js';
import { createLogger } from './log.js';
import { createPasswords } from './auth/passwords.js';
import { ensureDemoUser } from './auth/demo-user.js';
import { createUsersRepo } from './auth/users.js';
import { sessionSecretFor } from './session-secret.js';
import { createImagesRepo } from './images/images-repo.js';
import { loadClassifier } from './images/load-classifier.js';
import { refuseForeignUploads, sweepUnfinished } from './images/storage.js';
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
  // Parsed and checked already, so a deployment can be prepared; the rows themselves still live in SQLite.
  if (config.databaseUrl) {
    throw new ConfigError('DATABASE_URL is set, but this version keeps its rows in SQLite only (PostgreSQL is on the way): unset it, and DATABASE_PATH or DATA_DIR chooses the file');
  }
  const db = openDatabase(config.databasePath);
  const images = createImagesRepo(db);
  const storage = createStorage(config, { logger });
  // The sweep first: a crash during the very first upload leaves its files (recorded as pending) beside a
  // database with no image yet, which is no reason to refuse.
  const unfinished = await sweepUnfinished(config.uploadDir, storage, images);
  // A bucket that is missing or read-only stops start-up here, not at the first upload.
  await storage.check().catch((err: Error) => Promise.reject(new ConfigError(err.message)));
  await refuseForeignUploads(storage, { where: describeStorage(config), databasePath: config.databasePath }, images);
  const checkpointer = startCheckpointer(db, config.databasePath, logger);
  const passwords = createPasswords(config.bcryptCost);
  // The model loads in worker threads while this thread seeds the demo user.
  const loadingClassifier = loadClassifier(config, logger);
  if (config.demoUser) await ensureDemoUser(createUsersRepo(db), passwords);
  if (unfinished > 0) logger.warn({ images: unfinished }, 'removed the files of uploads and deletes that never finished');
  const classifier = await loadingClassifier;
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
      close();
      await Promise.all([classifier?.close(), checkpointer.stop(), passwords.close()]);
      db.close();
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
