-- Each image's 64-bit perceptual hash (src/images/perceptual-hash.ts) as four 16-bit bands, so an upload
-- that is the same photo as one its owner has (resized, recompressed, lightly cropped) is flagged with a link
-- to it. NULL for images stored before migration 015 until `npm run reclassify` reads them.
ALTER TABLE images ADD COLUMN phash_0 INTEGER;
ALTER TABLE images ADD COLUMN phash_1 INTEGER;
ALTER TABLE images ADD COLUMN phash_2 INTEGER;
ALTER TABLE images ADD COLUMN phash_3 INTEGER;

-- Two hashes of one photo are near on at least one band: the look-up reads one owner's images by each band.
CREATE INDEX images_owner_phash_0 ON images (owner_id, phash_0);
CREATE INDEX images_owner_phash_1 ON images (owner_id, phash_1);
CREATE INDEX images_owner_phash_2 ON images (owner_id, phash_2);
CREATE INDEX images_owner_phash_3 ON images (owner_id, phash_3);
