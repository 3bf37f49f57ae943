-- An image's labels (the top 3 MobileNet classes, rank 1 first) as JSON in its own row: every read of an
-- image wants all of them, every write replaces all of them, and search reads image_terms, never these. One
-- row read per image instead of a subquery into image_labels for each. NULL until the image is classified.
-- Text, as in SQLite, so one repository writes and parses both.
-- No label is written between the copy and the drop (another server may still run the older code).
LOCK TABLE images, image_labels IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE images ADD COLUMN labels text;

UPDATE images AS i SET labels = (
  SELECT coalesce(json_agg(json_build_object('name', l.name, 'probability', l.probability) ORDER BY l.rank), '[]')::text
  FROM image_labels AS l WHERE l.image_seq = i.seq
) WHERE classified = 1;

DROP TABLE image_labels;
