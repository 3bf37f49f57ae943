import { sql } from 'kysely';
import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Db } from '../db/index.js';

/**
 * express-rate-limit's counts in the app's database, so ten failed logins spread over two servers lock the
 * eleventh try on either. Each count is one atomic upsert: a window that has ended starts again at 1.
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly decrements = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    // Rows of ended windows count for nothing; they are deleted once a window so the table stays small.
    this.sweeper = setInterval(() => void this.db.query.deleteFrom('rate_limits').where('reset_at', '<=', this.now()).execute().catch(() => {}), this.windowMs);
    this.sweeper.unref();
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.db.query.selectFrom('rate_limits').select(['hits', 'reset_at'])
      .where('key', '=', this.prefix + key).where('reset_at', '>', this.now()).executeTakeFirst();
    return row && { totalHits: row.hits, resetTime: new Date(row.reset_at) };
  }

  async increment(key: string): Promise<IncrementResponse> {
    const now = this.now();
    const ended = sql<boolean>`rate_limits.reset_at <= ${now}`;
    const row = await this.db.query.insertInto('rate_limits')
      .values({ key: this.prefix + key, hits: 1, reset_at: now + this.windowMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({
        hits: sql<number>`CASE WHEN ${ended} THEN 1 ELSE rate_limits.hits + 1 END`,
        reset_at: sql<number>`CASE WHEN ${ended} THEN excluded.reset_at ELSE rate_limits.reset_at END`,
      }))
      .returning(['hits', 'reset_at'])
      .executeTakeFirstOrThrow();
    return { totalHits: row.hits, resetTime: new Date(row.reset_at) };
  }

  // Called once a login's answer has gone out: shutdown waits for these, so none outlives the database.
  async decrement(key: string): Promise<void> {
    if (this.closed) return;
    const update = this.db.query.updateTable('rate_limits').set({ hits: sql<number>`hits - 1` })
      .where('key', '=', this.prefix + key).where('hits', '>', 0).execute();
    this.decrements.add(update);
    try {
      await update;
    } finally {
      this.decrements.delete(update);
    }
  }

  async resetKey(key: string): Promise<void> {
    await this.db.query.deleteFrom('rate_limits').where('key', '=', this.prefix + key).execute();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.allSettled(this.decrements);
  }
}
