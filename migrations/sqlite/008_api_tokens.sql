-- Tokens for scripts (Authorization: Bearer). Only a SHA-256 of each secret is kept: the secret is 32 random
-- bytes, so a fast hash is enough, and a stolen table holds nothing that signs in. Revoking deletes the row.
CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,
  secret_hash  TEXT    NOT NULL UNIQUE,
  scope        TEXT    NOT NULL CHECK (scope IN ('read', 'read-write')),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER, -- ms since the epoch; null: never
  last_used_at INTEGER
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
