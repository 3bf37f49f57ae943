import session from 'express-session';
import type { Db } from '../db/index.js';

const FALLBACK_TTL_MS = 30 * 60 * 1000;
/**
 * express-session touches the session on every request, which made every page view a write (and, every
 * thousand or so, a WAL checkpoint with an fsync on the event loop). The row's expiry only matters to the
 * sweep, and sessions end 30 minutes after login anyway (loadUser), so a minute's lag costs nothing.
 */
export const TOUCH_SLACK_MS = 60 * 1000;
export const SWEEP_BATCH = 500;

/**
 * express-session rows in the app's own database (SQLite or PostgreSQL), so sessions survive restarts
 * without another service, and every server sharing the database knows every session.
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

  override touch(sid: string, data: session.SessionData, done?: () => void): void {
    this.run(done, async () => {
      const expiresAt = this.expiresAt(data);
      await this.db.query.updateTable('sessions').set({ expires_at: expiresAt })
        .where('sid', '=', sid).where('expires_at', '<', expiresAt - TOUCH_SLACK_MS).execute();
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
