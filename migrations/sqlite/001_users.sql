-- Usernames are stored as typed and unique without regard to case (they are ASCII by validation,
-- so NOCASE folding is exact).
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT    NOT NULL,
  password_hash TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE);
