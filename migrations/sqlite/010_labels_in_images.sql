-- An image's labels (the top 3 MobileNet classes, rank 1 first) as JSON in its own row: every read of an
-- image wants all of them, every write replaces all of them, and search reads image_terms, never these. One
-- row read per image instead of a subquery into image_labels for each. NULL until the image is classified.
ALTER TABLE images ADD COLUMN labels TEXT;

UPDATE images SET labels = (
  SELECT json_group_array(json_object('name', name, 'probability', probability) ORDER BY rank)
  FROM image_labels WHERE image_seq = images.seq
) WHERE classified = 1;

DROP TABLE image_labels;
