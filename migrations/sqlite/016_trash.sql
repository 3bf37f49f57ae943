-- The owners' trash. A trashed image's row moves here whole (the images row as JSON), out of every list,
-- search, count and file route at once; its files stay until the row is deleted for good, by its owner or by
-- the purge 30 days on. A restore puts the row back as it was, with its id, and with its seq unless a newer
-- image has been given it since: a later migration that changes the columns of images changes this JSON too.
-- No cascade from users: a user's trashed files must be recorded as pending (a delete for good) before the
-- user can go, or they would be left behind unrecorded.
CREATE TABLE trashed_images (
  id            TEXT    PRIMARY KEY,
  owner_id      INTEGER NOT NULL REFERENCES users (id),
  trashed_at    INTEGER NOT NULL,
  original_name TEXT    NOT NULL,
  format        TEXT    NOT NULL,
  image         TEXT    NOT NULL
);

-- The trash page (the owner's, newest first) and the purge (the oldest of everyone's).
CREATE INDEX trashed_images_owner ON trashed_images (owner_id, trashed_at);
CREATE INDEX trashed_images_age ON trashed_images (trashed_at);
