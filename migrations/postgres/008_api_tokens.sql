-- Tokens for scripts (Authorization: Bearer). Only a SHA-256 of each secret is kept: the secret is 32 random
-- bytes, so a fast hash is enough, and a stolen table holds nothing that signs in. Revoking deletes the row.
CREATE TABLE api_tokens (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text   NOT NULL,
  secret_hash  text   NOT NULL UNIQUE,
  scope        text   NOT NULL CHECK (scope IN ('read', 'read-write')),
  created_at   bigint NOT NULL,
  expires_at   bigint, -- ms since the epoch; null: never
  last_used_at bigint
);

CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
