-- express-session rows; expired ones are swept by the store.
CREATE TABLE sessions (
  sid        text   PRIMARY KEY,
  data       text   NOT NULL,
  expires_at bigint NOT NULL
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
