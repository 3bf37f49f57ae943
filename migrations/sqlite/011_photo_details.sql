-- What the camera recorded (migration 011). taken_at is the camera's clock as it read ('2019-08-26T12:45:35'),
-- taken_offset its offset from UTC when recorded ('+09:00'). details is JSON of the rest (camera, lens,
-- exposure, place), for the owner only; NULL on images stored before this, until `npm run reclassify` reads them.
-- shot_at (ms) orders "by date taken": the camera's clock read as UTC, or the upload time when it gave no date.
ALTER TABLE images ADD COLUMN taken_at TEXT;
ALTER TABLE images ADD COLUMN taken_offset TEXT;
ALTER TABLE images ADD COLUMN details TEXT;
ALTER TABLE images ADD COLUMN shot_at INTEGER NOT NULL DEFAULT 0;
UPDATE images SET shot_at = created_at;
CREATE INDEX images_shot ON images (shot_at, seq);
-- The app writes shot_at on every insert; the default is only for ALTER TABLE. (SQLite has one server, so no
-- older code can insert beside this one, unlike PostgreSQL's rolling upgrades.)

-- "Keep location in my public photos": off unless the owner turns it on.
ALTER TABLE users ADD COLUMN share_location INTEGER NOT NULL DEFAULT 0 CHECK (share_location IN (0, 1));
