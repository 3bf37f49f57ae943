-- Usernames are stored as typed and unique without regard to case (ASCII by validation, so lower() folds
-- exactly what SQLite's NOCASE folds). Every lookup by name compares lower(username), which this index serves.
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text   NOT NULL,
  password_hash text   NOT NULL,
  created_at    bigint NOT NULL
);

CREATE UNIQUE INDEX users_username ON users (lower(username));
