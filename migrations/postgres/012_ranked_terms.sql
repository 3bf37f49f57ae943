-- Ranked search (migration 012). Each search-term row carries how strongly it holds for its image, in
-- millionths: a label's probability (summed over the labels that reach the term), the share of the image a
-- palette colour covers, or 1,000,000 for the uploader and the id. Rows of images stored before this get 1
-- (weakest) until the server ranks them again from their stored labels (images.terms_version below).
ALTER TABLE image_terms ADD COLUMN strength integer NOT NULL DEFAULT 1 CHECK (strength > 0);

-- Best match first reads each term's rows strongest first: public ones, and the viewer's own private ones.
CREATE INDEX image_terms_ranked ON image_terms (term, public, strength, image_seq);
CREATE INDEX image_terms_private_ranked ON image_terms (term, owner_id, strength, image_seq) WHERE public = 0;

-- The image's colours: JSON [{ name, hex, share }], most of the image first; NULL until read from the stored
-- file (`npm run reclassify` reads it for images stored before this).
ALTER TABLE images ADD COLUMN palette text;
-- 0: the terms predate ranking; the server rewrites them from the stored labels in the background.
ALTER TABLE images ADD COLUMN terms_version integer NOT NULL DEFAULT 0;
CREATE INDEX images_unranked ON images (seq) WHERE terms_version = 0;
