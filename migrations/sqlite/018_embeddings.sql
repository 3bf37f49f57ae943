-- What MobileNet's AvgPool node holds for the image (src/images/embedding.ts): 1280 bytes as base64, for
-- "Similar images". NULL until the model has looked at the image; `npm run reclassify` fills it for images
-- classified before embeddings were kept. A trashed image keeps it in its row's JSON (migration 016).
ALTER TABLE images ADD COLUMN embedding TEXT;
