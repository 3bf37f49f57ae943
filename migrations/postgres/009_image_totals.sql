-- Each owner's number of images and stored bytes (originals) by visibility, kept by triggers in the same
-- transaction as every write to images, so no code path can forget them. The gallery's count and the quota
-- then read a row per owner instead of an index entry per image, whatever the size of the library.
-- No foreign key to users: its check would take a share lock on the owner's row, which an upload under a quota
-- holds FOR UPDATE while it waits for this table (a deadlock), and a user's deletion would cascade here before
-- the images' trigger writes its last change. A deleted owner's rows stay, at zero.
CREATE TABLE image_totals (
  owner_id   bigint NOT NULL,
  visibility text   NOT NULL,
  images     bigint NOT NULL,
  bytes      bigint NOT NULL,
  PRIMARY KEY (owner_id, visibility)
);

-- No image is written between the count and the triggers (another server may still run the older code).
LOCK TABLE images IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO image_totals (owner_id, visibility, images, bytes)
  SELECT owner_id, visibility, count(*), sum(bytes) FROM images GROUP BY owner_id, visibility;

-- Once per statement, from its transition tables: a statement changing 1,000 images writes each owner's row
-- once. Every branch is one upsert of what changed, in key order, so two transactions lock the rows in the
-- same order (no deadlock); an update that moves nothing (an image classified) writes nothing.
CREATE FUNCTION image_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO image_totals AS t (owner_id, visibility, images, bytes)
      SELECT owner_id, visibility, count(*), sum(bytes) FROM new_rows GROUP BY owner_id, visibility ORDER BY owner_id, visibility
      ON CONFLICT (owner_id, visibility) DO UPDATE SET images = t.images + excluded.images, bytes = t.bytes + excluded.bytes;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO image_totals AS t (owner_id, visibility, images, bytes)
      SELECT owner_id, visibility, -count(*), -sum(bytes) FROM old_rows GROUP BY owner_id, visibility ORDER BY owner_id, visibility
      ON CONFLICT (owner_id, visibility) DO UPDATE SET images = t.images + excluded.images, bytes = t.bytes + excluded.bytes;
  ELSE
    INSERT INTO image_totals AS t (owner_id, visibility, images, bytes)
      SELECT owner_id, visibility, sum(images), sum(bytes) FROM (
        SELECT owner_id, visibility, -1 AS images, -bytes AS bytes FROM old_rows
        UNION ALL
        SELECT owner_id, visibility, 1, bytes FROM new_rows
      ) AS moved
      GROUP BY owner_id, visibility HAVING sum(images) <> 0 OR sum(bytes) <> 0 ORDER BY owner_id, visibility
      ON CONFLICT (owner_id, visibility) DO UPDATE SET images = t.images + excluded.images, bytes = t.bytes + excluded.bytes;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER image_totals_insert AFTER INSERT ON images
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION image_totals_apply();
CREATE TRIGGER image_totals_update AFTER UPDATE ON images
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION image_totals_apply();
CREATE TRIGGER image_totals_delete AFTER DELETE ON images
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION image_totals_apply();

-- The quota read this index; it now reads image_totals.
DROP INDEX images_owner_bytes;
