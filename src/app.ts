import express, { type Express } from 'express';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import { requestLogger, type Logger } from './log.js';
import { authRoutes } from './auth/routes.js';
import { createUsersRepo } from './auth/users.js';
import { DatabaseRateLimitStore } from './auth/rate-limit-store.js';
import type { Passwords } from './auth/passwords.js';
import { loadUser, requireUser } from './auth/require-user.js';
import { createSession } from './web/session.js';
import { createCsrf } from './web/csrf.js';
import cookieParser from 'cookie-parser';
import { securityHeaders } from './web/security-headers.js';
import { exposeFlash } from './web/flash.js';
import { errorHandler, notFoundHandler } from './web/error-handler.js';
import type { Classifier } from './images/classifier.js';
import { createImagesRepo } from './images/images-repo.js';
import { createIngest } from './images/ingest.js';
import type { DecodeBudget } from './images/decode-budget.js';
import { imagesRoutes } from './images/routes.js';
import { selectionRoutes } from './selection/routes.js';
import { MAX_SELECTION } from './images/access.js';
import { uploadRoutes } from './images/upload-routes.js';
import { incomingDir } from './images/storage.js';
import { createSearchRepo } from './search/search-repo.js';
import { searchRoutes } from './search/routes.js';
import { mkdirSync } from 'node:fs';
import { viewHelpers } from './web/view-helpers.js';
import { HEALTH_PATH, healthRoutes } from './health/routes.js';
import { deriveKey } from './web/keys.js';
import type { Storage } from './storage/index.js';
import { createSealer } from './web/sealed.js';
import { createMetrics } from './metrics/metrics.js';
import { measureRequests, METRICS_PATH, metricsRoutes } from './metrics/routes.js';
import { openApiRoutes } from './api/openapi.js';
import { createApiTokensRepo } from './auth/api-tokens.js';
import { bearerAuth, refuseTokens, unlessToken } from './auth/bearer.js';
import { accountRoutes } from './account/routes.js';
import { trashRoutes } from './trash/routes.js';
import { createTrashRepo } from './trash/trash-repo.js';
import { correctionsRoutes } from './corrections/routes.js';
import { createCorrectionsRepo } from './corrections/corrections-repo.js';

export type AppDeps = {
  config: Config;
  db: Db;
  /** Where originals and thumbnails live (UPLOAD_DIR or a bucket); chosen once, in server.ts. */
  storage: Storage;
  logger: Logger;
  passwords: Passwords;
  sessionSecret: string;
  /** Undefined when no model could be loaded: uploads are stored as "not classified yet". */
  classifier: Classifier | undefined;
  /** The clock behind session expiry; tests move it forward instead of waiting. */
  now?: () => number;
  /** The server's one decode budget; made from MAX_MEGAPIXELS unless given (tests give a small one). */
  decodeBudget?: DecodeBudget;
};

const root = (dir: string) => fileURLToPath(new URL(`../${dir}`, import.meta.url));

/** Every name the templates use: app.locals, res.locals and what the routes and includes pass. */
const VIEW_LOCALS = [
  ...Object.keys(viewHelpers), 'appName', 'uploadLimits', // app.locals
  'csrfToken', 'user', 'sessionEndsInMs', 'flash', 'query', 'currentUrl', // res.locals
  'title', 'username', 'next', 'error', 'notice', 'errors', 'results', 'visibility', 'images', 'pagination',
  'image', 'status', 'message', 'terms', 'truncated', 'label', 'tags', 'tokens', 'input', 'created', 'now',
  'sharesLocation', 'order', 'orders', 'list', 'lists', 'selection', 'similar', 'total', 'keptDays', 'purgeAt',
  'action', 'forever', 'all',
];

/** Builds the Express app from its dependencies; it never reads process.env and never listens. */
export function createApp(deps: AppDeps): { app: Express; close: () => Promise<void> } {
  const now = deps.now ?? Date.now;
  const users = createUsersRepo(deps.db, now);
  const images = createImagesRepo(deps.db);
  const metrics = deps.config.metricsToken ? createMetrics(() => deps.classifier?.waiting?.() ?? 0) : undefined;
  const ingest = createIngest({
    images, classifier: deps.classifier, storage: deps.storage, maxPixels: deps.config.maxPixels, logger: deps.logger, now,
    maxUserBytes: deps.config.maxUserBytes, decodeBudget: deps.decodeBudget, metrics,
  });
  mkdirSync(incomingDir(deps.config.uploadDir), { recursive: true });
  const session = createSession({ db: deps.db, secret: deps.sessionSecret, secure: deps.config.production, logger: deps.logger });
  const cursors = createSealer(deriveKey(deps.sessionSecret, 'cursor'));
  const csrf = createCsrf({ secret: deriveKey(deps.sessionSecret, 'csrf').toString('hex'), secure: deps.config.production });

  const app = express();
  app.set('trust proxy', deps.config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', root('views'));
  app.set('view cache', true);
  // Includes are written from the views root ("/images/card"): EJS then resolves them without
  // the existsSync probes that relative includes cost on every one of a page's ~100 includes.
  // Templates compile without `with (locals)`, which made every name a dynamic lookup: the names below are
  // declared from the locals instead (a 48-card page renders in about 0.9 ms instead of 2.4 ms). A template
  // using a name missing here throws a ReferenceError; optional values are read as `locals.name`.
  app.set('view options', { root: root('views'), compileDebug: false, _with: false, destructuredLocals: VIEW_LOCALS });
  app.locals.appName = 'Image Repo';
  Object.assign(app.locals, viewHelpers);
  app.locals.uploadLimits = {
    maxFiles: deps.config.maxFiles,
    maxFileMb: deps.config.maxFileBytes / 2 ** 20,
    classifierReady: deps.classifier !== undefined,
    hasQuota: deps.config.maxUserBytes !== undefined,
  };

  app.use(requestLogger(deps.logger, { quietPaths: [HEALTH_PATH, METRICS_PATH] }));
  if (metrics) app.use(measureRequests(metrics));
  app.use(securityHeaders);
  // Before the session: a load balancer's probe needs no login and must leave no session row or cookie.
  app.use(healthRoutes({
    db: deps.db, storage: deps.storage,
    modelLoaded: deps.classifier !== undefined, logger: deps.logger,
  }));
  // Likewise for the scraper; with no METRICS_TOKEN there is no such route (a 404 like any unknown URL).
  if (metrics) app.use(metricsRoutes(metrics, deps.config.metricsToken!));
  app.use(openApiRoutes());
  // Under a prefix, so no other request costs a file-system lookup (a stat queued behind image work
  // in libuv's thread pool during an upload).
  app.use('/assets', express.static(root('public'), { index: false, maxAge: '1h' }));

  // Counted in the database, so every server sharing it shares the counts (real time, like the windows).
  const limitStores: DatabaseRateLimitStore[] = [];
  const limits = (prefix: string) => {
    const store = new DatabaseRateLimitStore(deps.db, prefix);
    limitStores.push(store);
    return store;
  };
  const tokens = createApiTokensRepo(deps.db, now);
  // A request with a token is its user without a session, so it skips the session, CSRF and flash below.
  app.use(bearerAuth({ tokens, badTokens: limits('bad-token:') }));
  app.use(unlessToken(cookieParser()));
  app.use(unlessToken(session.middleware));
  // A selection's ids (41 bytes each in a form) pass the small limit every other form keeps, and so do the
  // trash's (an undo restores what a selection trashed); parsed here, the body is not parsed again below.
  app.use(['/selection', '/trash'], express.urlencoded({ extended: false, limit: '256kb', parameterLimit: MAX_SELECTION + 10 }), express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '16kb' }));
  app.use(unlessToken(csrf.protection));
  app.use(unlessToken(csrf.exposeToken));
  app.use(unlessToken(loadUser(users, now)));
  app.use(unlessToken(exposeFlash));
  app.use((req, res, next) => {
    res.locals.query = typeof req.query.q === 'string' ? req.query.q : '';
    res.locals.currentUrl = req.originalUrl;
    next();
  });

  // Pages for people: a token is refused on them, never used.
  app.use(['/login', '/register', '/logout', '/account'], refuseTokens);
  app.use(authRoutes({ users, passwords: deps.passwords, now, limits, csrfTokenFor: csrf.tokenFor }));
  app.use(requireUser);
  // Pages past this point are per user, and the same URL answers HTML or JSON: keep shared caches out.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'private, no-cache');
    res.vary('Accept');
    next();
  });
  app.use(uploadRoutes({ ingest, config: deps.config, metrics }));
  app.use(imagesRoutes({ images, users, storage: deps.storage, cursors, scratchDir: incomingDir(deps.config.uploadDir) }));
  const search = createSearchRepo(deps.db, now);
  const trash = createTrashRepo(deps.db);
  app.use(trashRoutes({ images, trash, storage: deps.storage, now, quotaBytes: deps.config.maxUserBytes }));
  const corrections = createCorrectionsRepo(deps.db);
  app.use(correctionsRoutes({ images, corrections, now }));
  app.use(selectionRoutes({ images, trash, corrections, users, search, storage: deps.storage, now, scratchDir: incomingDir(deps.config.uploadDir) }));
  app.use(searchRoutes({ search, cursors }));
  app.use(accountRoutes({ tokens, users, now }));

  app.use(notFoundHandler);
  app.use(errorHandler);
  const close = async () => {
    session.stop();
    await Promise.all(limitStores.map((store) => store.shutdown()));
  };
  return { app, close };
}
