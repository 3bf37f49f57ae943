import session from 'express-session';
import type { Db } from '../db/index.js';

const FALLBACK_TTL_MS = 30 * 60 * 1000;
export const SWEEP_BATCH = 500;

/**
 * express-session rows in the app's own database (SQLite or PostgreSQL), so sessions survive restarts
 * without another service, and every server sharing the database knows every session.
 *
 * It has no touch(): express-session would call it on every request to push the row's expiry on, a query
 * per page view (and on SQLite, once the write came due, a write). A session ends 30 minutes after login
 * however active it is (loadUser), and its row, written at login, expires then too, so there is nothing
 * to push on.
 */
export class DatabaseSessionStore extends session.Store {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override get(sid: string, done: (err: unknown, data?: session.SessionData | null) => void): void {
    this.run(done, async () => {
      const row = await this.db.query.selectFrom('sessions').select('data')
        .where('sid', '=', sid).where('expires_at', '>', this.now()).executeTakeFirst();
      return row ? (JSON.parse(row.data) as session.SessionData) : null;
    });
  }

  override set(sid: string, data: session.SessionData, done?: (err?: unknown) => void): void {
    this.run(done, async () => {
      const row = { sid, data: JSON.stringify(data), expires_at: this.expiresAt(data) };
      await this.db.query.insertInto('sessions').values(row)
        .onConflict((oc) => oc.column('sid').doUpdateSet({ data: row.data, expires_at: row.expires_at })).execute();
    });
  }

  override destroy(sid: string, done?: (err?: unknown) => void): void {
    this.run(done, async () => void (await this.db.query.deleteFrom('sessions').where('sid', '=', sid).execute()));
  }

  /**
   * Deletes expired rows, SWEEP_BATCH per statement, so a backlog (say, a flood of logins) never holds the
   * database (or SQLite's event loop) for long; resolves with how many went.
   */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = this.db.query.selectFrom('sessions').select('sid').where('expires_at', '<=', this.now()).limit(SWEEP_BATCH);
      const { numDeletedRows } = await this.db.query.deleteFrom('sessions').where('sid', 'in', expired).executeTakeFirst();
      const changes = Number(numDeletedRows);
      total += changes;
      if (changes < SWEEP_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private expiresAt(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.now() + FALLBACK_TTL_MS;
  }

  private run<T>(done: ((err: unknown, value?: T) => void) | undefined, work: () => Promise<T>): void {
    work().then((value) => done?.(null, value), (err: unknown) => done?.(err));
  }
}
