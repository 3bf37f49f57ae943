// What a database failure means for the user, decided here for both dialects.

// PostgreSQL's SQLSTATE classes and codes for "the server cannot serve you now": 08 connection exceptions,
// 53 insufficient resources (too many connections, out of memory or disk), 57P01-57P05 shutdowns and
// restarts, 40001/40P01 serialization failure and deadlock (try again).
const PG_UNAVAILABLE = /^(08|53)|^57P0[1-5]$|^40(001|P01)$/;
// The socket to the server failing.
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLite: another connection held the lock past busy_timeout, or the disk is full.
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR']);
// node-postgres reports these two without a code: a pool with no free connection within its timeout, and a
// connection that the server dropped in the middle of a query.
const PG_CLIENT_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated unexpectedly']);

/** True when the database, not the request, is at fault and the same request may work in a moment. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (PG_UNAVAILABLE.test(code) || NETWORK.has(code) || SQLITE_UNAVAILABLE.has(code.split('_').slice(0, 2).join('_'))) return true;
  return typeof e?.message === 'string' && PG_CLIENT_MESSAGES.has(e.message);
}

