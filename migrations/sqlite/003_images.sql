-- seq orders images (newest first = seq DESC) and is the keyset cursor of every list;
-- id is the public UUID, also the stem of the file names in UPLOAD_DIR.
CREATE TABLE images (
  seq           INTEGER PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  owner_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  visibility    TEXT    NOT NULL CHECK (visibility IN ('public', 'private')),
  original_name TEXT    NOT NULL,
  format        TEXT    NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'gif', 'avif', 'tiff')),
  bytes         INTEGER NOT NULL,
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  colour_hex    TEXT    NOT NULL,
  colour_name   TEXT    NOT NULL,
  classified    INTEGER NOT NULL CHECK (classified IN (0, 1)),
  created_at    INTEGER NOT NULL
) STRICT;

-- Gallery: public images newest first, and each owner's own images.
CREATE INDEX images_visibility ON images (visibility, seq);
CREATE INDEX images_owner ON images (owner_id, visibility, seq);

-- The top 3 MobileNet classes of an image, rank 1 = most probable.
CREATE TABLE image_labels (
  image_seq   INTEGER NOT NULL REFERENCES images (seq) ON DELETE CASCADE,
  rank        INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 3),
  name        TEXT    NOT NULL,
  probability REAL    NOT NULL,
  PRIMARY KEY (image_seq, rank)
) STRICT, WITHOUT ROWID;

-- Normalised search terms (colour name and hex, label synonyms and their WordNet hypernyms,
-- uploader, id). Visibility is copied in so a search is one index range per term, filtered in place.
CREATE TABLE image_terms (
  term      TEXT    NOT NULL,
  image_seq INTEGER NOT NULL REFERENCES images (seq) ON DELETE CASCADE,
  owner_id  INTEGER NOT NULL,
  public    INTEGER NOT NULL CHECK (public IN (0, 1)),
  PRIMARY KEY (term, image_seq)
) STRICT, WITHOUT ROWID;

-- For ON DELETE CASCADE and for rewriting an image's terms.
CREATE INDEX image_terms_image ON image_terms (image_seq);
