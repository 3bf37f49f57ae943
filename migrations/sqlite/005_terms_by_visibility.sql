-- A search reads public matches and the viewer's own private ones as two index ranges, so it never reads
-- (and never spends time on) another user's private images: public leads the primary key, and a partial
-- index holds each owner's private terms.
CREATE TABLE image_terms_new (
  term      TEXT    NOT NULL,
  public    INTEGER NOT NULL CHECK (public IN (0, 1)),
  image_seq INTEGER NOT NULL REFERENCES images (seq) ON DELETE CASCADE,
  owner_id  INTEGER NOT NULL,
  PRIMARY KEY (term, public, image_seq)
) STRICT, WITHOUT ROWID;

INSERT INTO image_terms_new (term, public, image_seq, owner_id) SELECT term, public, image_seq, owner_id FROM image_terms;
DROP TABLE image_terms;
ALTER TABLE image_terms_new RENAME TO image_terms;

-- For ON DELETE CASCADE and for rewriting an image's terms.
CREATE INDEX image_terms_image ON image_terms (image_seq);
CREATE INDEX image_terms_private ON image_terms (term, owner_id, image_seq) WHERE public = 0;
