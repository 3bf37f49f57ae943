-- What MobileNet's AvgPool node holds for the image (src/images/embedding.ts): 1280 bytes as base64, for
-- "Similar images". NULL until the model has looked at the image; `npm run reclassify` fills it for images
-- classified before embeddings were kept. A trashed image keeps it in its row's JSON (migration 016).
ALTER TABLE images ADD COLUMN embedding TEXT;
-- The next more general word of the top label ("domestic cat", "parrot"), set with the embedding: look-alikes
-- are read among the owner's images with the key of one of the photo's labels (src/images/alike.ts), one
-- index entry per image rather than one more per search term.
ALTER TABLE images ADD COLUMN alike_key TEXT;
CREATE INDEX images_owner_alike ON images (owner_id, alike_key, seq) WHERE alike_key IS NOT NULL;
