-- What the camera recorded (migration 011). taken_at is the camera's clock as it read ('2019-08-26T12:45:35'),
-- taken_offset its offset from UTC when recorded ('+09:00'). details is JSON of the rest (camera, lens,
-- exposure, place), for the owner only; NULL on images stored before this, until `npm run reclassify` reads them.
-- Text, as in SQLite, so one repository writes and parses both.
-- shot_at (ms) orders "by date taken": the camera's clock read as UTC, or the upload time when it gave no date.
ALTER TABLE images ADD COLUMN taken_at text;
ALTER TABLE images ADD COLUMN taken_offset text;
ALTER TABLE images ADD COLUMN details text;
ALTER TABLE images ADD COLUMN shot_at bigint;
UPDATE images SET shot_at = created_at;
ALTER TABLE images ALTER COLUMN shot_at SET NOT NULL;
CREATE INDEX images_shot ON images (shot_at, seq);
-- A server still on the older code (a rolling upgrade) inserts no shot_at: its images sort by upload time.
CREATE FUNCTION images_shot_at_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.shot_at := coalesce(NEW.shot_at, NEW.created_at);
  RETURN NEW;
END $$;
CREATE TRIGGER images_shot_at_default BEFORE INSERT ON images FOR EACH ROW EXECUTE FUNCTION images_shot_at_default();

-- "Keep location in my public photos": off unless the owner turns it on.
ALTER TABLE users ADD COLUMN share_location smallint NOT NULL DEFAULT 0 CHECK (share_location IN (0, 1));
