-- The SHA-256 of each original's bytes (hex), so an upload of a file its owner already has is caught before it
-- is stored a second time. NULL for images stored before migration 014 until `npm run reclassify` reads them.
ALTER TABLE images ADD COLUMN sha256 TEXT;

-- The look-up at every upload: one owner's images with these bytes.
CREATE INDEX images_owner_sha256 ON images (owner_id, sha256) WHERE sha256 IS NOT NULL;
