import session from 'express-session';
import type { Db } from '../db/open.js';

const FALLBACK_TTL_MS = 30 * 60 * 1000;
/**
 * express-session touches the session on every request, which made every page view a write (and, every
 * thousand or so, a WAL checkpoint with an fsync on the event loop). The row's expiry only matters to the
 * sweep, and sessions end 30 minutes after login anyway (loadUser), so a minute's lag costs nothing.
 */
export const TOUCH_SLACK_MS = 60 * 1000;
export const SWEEP_BATCH = 500;

/** express-session rows in the app's own SQLite file, so sessions survive restarts without a second service. */
export class SqliteSessionStore extends session.Store {
  private readonly statements;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.statements = {
      get: db.prepare<[string, number], { data: string }>('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?'),
      set: db.prepare(
        'INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at',
      ),
      touch: db.prepare('UPDATE sessions SET expires_at = @expiresAt WHERE sid = @sid AND expires_at < @expiresAt - @slack'),
      destroy: db.prepare('DELETE FROM sessions WHERE sid = ?'),
      sweep: db.prepare('DELETE FROM sessions WHERE sid IN (SELECT sid FROM sessions WHERE expires_at <= ? LIMIT ?)'),
    };
  }

  override get(sid: string, done: (err: unknown, data?: session.SessionData | null) => void): void {
    this.run(done, () => {
      const row = this.statements.get.get(sid, this.now());
      return row ? (JSON.parse(row.data) as session.SessionData) : null;
    });
  }

  override set(sid: string, data: session.SessionData, done?: (err?: unknown) => void): void {
    this.run(done, () => void this.statements.set.run(sid, JSON.stringify(data), this.expiresAt(data)));
  }

  override touch(sid: string, data: session.SessionData, done?: () => void): void {
    this.run(done, () => void this.statements.touch.run({ sid, expiresAt: this.expiresAt(data), slack: TOUCH_SLACK_MS }));
  }

  override destroy(sid: string, done?: (err?: unknown) => void): void {
    this.run(done, () => void this.statements.destroy.run(sid));
  }

  /**
   * Deletes expired rows, SWEEP_BATCH per transaction with a turn of the event loop between, so a backlog
   * (say, a flood of logins) never holds the database or the loop for long; resolves with how many went.
   */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const { changes } = this.statements.sweep.run(this.now(), SWEEP_BATCH);
      total += changes;
      if (changes < SWEEP_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private expiresAt(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.now() + FALLBACK_TTL_MS;
  }

  private run<T>(done: ((err: unknown, value?: T) => void) | undefined, work: () => T): void {
    let value: T;
    try {
      value = work();
    } catch (err) {
      done?.(err);
      return;
    }
    done?.(null, value);
  }
}
