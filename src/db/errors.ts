// What a database failure means for the user, decided here for both dialects.

// PostgreSQL's SQLSTATE classes and codes for "the server cannot serve you now": 08 connection exceptions,
// 53 insufficient resources (too many connections, out of memory or disk), 57P01-57P05 shutdowns and
// restarts, 40001/40P01 serialization failure and deadlock (try again).
const PG_UNAVAILABLE = /^(08|53)|^57P0[1-5]$|^40(001|P01)$/;
// The socket to the server failing.
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLite: another connection held the lock past busy_timeout, or the disk is full.
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR']);
// node-postgres reports these without a code: a pool with no free connection within its timeout, a new
// connection that timed out ("Connection terminated due to connection timeout") or that the server dropped
// in the middle of a query ("Connection terminated unexpectedly"), and a client already broken.
const PG_CLIENT_MESSAGES = /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error and is not queryable)/;

/** True when the database, not the request, is at fault and the same request may work in a moment. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (PG_UNAVAILABLE.test(code) || NETWORK.has(code) || SQLITE_UNAVAILABLE.has(code.split('_').slice(0, 2).join('_'))) return true;
  if (typeof e?.message === 'string' && PG_CLIENT_MESSAGES.test(e.message)) return true;
  // A socket error the driver wrapped.
  return e?.cause !== undefined && e.cause !== err && isDatabaseUnavailable(e.cause);
}

