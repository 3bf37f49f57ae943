-- Each owner's number of images and stored bytes (originals) by visibility, kept by triggers in the same
-- transaction as every write to images, so no code path can forget them. The gallery's count and the quota
-- then read a row per owner instead of an index entry per image, whatever the size of the library.
-- No foreign key to users, as in PostgreSQL (see there): a deleted owner's rows stay, at zero.
CREATE TABLE image_totals (
  owner_id   INTEGER NOT NULL,
  visibility TEXT    NOT NULL,
  images     INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,
  PRIMARY KEY (owner_id, visibility)
) STRICT, WITHOUT ROWID;

INSERT INTO image_totals (owner_id, visibility, images, bytes)
  SELECT owner_id, visibility, count(*), sum(bytes) FROM images GROUP BY owner_id, visibility;

CREATE TRIGGER image_totals_insert AFTER INSERT ON images BEGIN
  INSERT INTO image_totals (owner_id, visibility, images, bytes) VALUES (NEW.owner_id, NEW.visibility, 1, NEW.bytes)
    ON CONFLICT (owner_id, visibility) DO UPDATE SET images = images + 1, bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER image_totals_delete AFTER DELETE ON images BEGIN
  UPDATE image_totals SET images = images - 1, bytes = bytes - OLD.bytes
    WHERE owner_id = OLD.owner_id AND visibility = OLD.visibility;
END;

CREATE TRIGGER image_totals_update AFTER UPDATE OF owner_id, visibility, bytes ON images BEGIN
  UPDATE image_totals SET images = images - 1, bytes = bytes - OLD.bytes
    WHERE owner_id = OLD.owner_id AND visibility = OLD.visibility;
  INSERT INTO image_totals (owner_id, visibility, images, bytes) VALUES (NEW.owner_id, NEW.visibility, 1, NEW.bytes)
    ON CONFLICT (owner_id, visibility) DO UPDATE SET images = images + 1, bytes = bytes + excluded.bytes;
END;

-- The quota read this index; it now reads image_totals.
DROP INDEX images_owner_bytes;
