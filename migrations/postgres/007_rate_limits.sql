-- Failed logins and new accounts counted per address (and name), in the database, so every server that
-- shares it shares the counts. A row whose window has ended counts as none and is swept.
CREATE TABLE rate_limits (
  key      text    PRIMARY KEY, -- the limiter's prefix, then the address (and name)
  hits     integer NOT NULL,
  reset_at bigint  NOT NULL -- ms since the epoch
);

CREATE INDEX rate_limits_reset_at ON rate_limits (reset_at);
