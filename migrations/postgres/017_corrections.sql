-- The owner's corrections of what the model and the colour reading said (src/images/corrections.ts), as JSON
-- in the image's own row: { tags: [{ name, by, at }], removed: [{ name, by, at }], colour: { name, by, at } },
-- each with who made it (a user id) and when (ms). NULL: none. The model's labels and the measured colour keep
-- their own columns, so `npm run reclassify` rewrites those and never a correction; search terms are written
-- from both. A trashed image keeps its corrections in its row's JSON (migration 016).
ALTER TABLE images ADD COLUMN corrections text;
