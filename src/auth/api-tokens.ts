import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { User } from './users.js';

export type TokenScope = 'read' | 'read-write';
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'read-write'];

/** A token as its owner sees it on the account page: never its secret. */
export type ApiToken = { id: number; name: string; scope: TokenScope; createdAt: number; expiresAt: number | null; lastUsedAt: number | null };

/** What a request with a good token acts as. */
export type TokenHolder = { user: User; tokenId: number; scope: TokenScope };

// The prefix lets a secret scanner (and a person) tell what a leaked string is.
const PREFIX = 'irt_';
const SECRET = /^irt_[A-Za-z0-9_-]{43}$/;
/** Writing the last-used time at most this often: a script's every request would otherwise be a write. */
const LAST_USED_EVERY_MS = 60_000;

const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

export type ApiTokensRepo = {
  /** The new token and its secret, which is shown once and then known only as a hash. */
  create(userId: number, input: { name: string; scope: TokenScope; expiresAt: number | null }): Promise<{ token: ApiToken; secret: string }>;
  list(userId: number): Promise<ApiToken[]>;
  /** The revoked token's name; undefined when the user has no such token. */
  revoke(userId: number, id: number): Promise<string | undefined>;
  /** The holder of a secret that exists and has not expired; its last use is noted. */
  authenticate(secret: string): Promise<TokenHolder | undefined>;
};

export function createApiTokensRepo(db: Db, now: () => number = Date.now): ApiTokensRepo {
  const q = db.query;
  const columns = ['id', 'name', 'scope', 'created_at as createdAt', 'expires_at as expiresAt', 'last_used_at as lastUsedAt'] as const;
  return {
    async create(userId, { name, scope, expiresAt }) {
      const secret = PREFIX + randomBytes(32).toString('base64url');
      const token = await q.insertInto('api_tokens')
        .values({ user_id: userId, name, secret_hash: digest(secret), scope, created_at: now(), expires_at: expiresAt })
        .returning(columns).executeTakeFirstOrThrow();
      return { token, secret };
    },

    list: (userId) => q.selectFrom('api_tokens').select(columns).where('user_id', '=', userId).orderBy('id', 'desc').execute(),

    revoke: async (userId, id) =>
      (await q.deleteFrom('api_tokens').where('id', '=', id).where('user_id', '=', userId).returning('name').executeTakeFirst())?.name,

    async authenticate(secret) {
      if (!SECRET.test(secret)) return undefined;
      const at = now();
      const row = await q.selectFrom('api_tokens as t').innerJoin('users as u', 'u.id', 't.user_id')
        .select(['t.id', 't.scope', 't.expires_at', 't.last_used_at', 'u.id as userId', 'u.username'])
        .where('t.secret_hash', '=', digest(secret)).executeTakeFirst();
      if (!row || (row.expires_at !== null && row.expires_at <= at)) return undefined;
      if (row.last_used_at === null || row.last_used_at < at - LAST_USED_EVERY_MS) {
        await q.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', row.id).execute();
      }
      return { user: { id: row.userId, username: row.username }, tokenId: row.id, scope: row.scope };
    },
  };
}
