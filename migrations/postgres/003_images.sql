-- seq orders images (newest first = seq DESC) and is the keyset cursor of every list;
-- id is the public UUID, also the stem of the object keys. COLLATE "C": an id prefix is searched as the
-- range [prefix, prefix || '~'), which only byte order makes right (a locale collation may not).
-- Flags are 0/1 smallints, as in SQLite, so one repository reads and writes both.
CREATE TABLE images (
  seq           bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            text     COLLATE "C" NOT NULL UNIQUE,
  owner_id      bigint   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  visibility    text     NOT NULL CHECK (visibility IN ('public', 'private')),
  original_name text     NOT NULL,
  format        text     NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'gif', 'avif', 'tiff')),
  bytes         bigint   NOT NULL,
  width         integer  NOT NULL,
  height        integer  NOT NULL,
  colour_hex    text     NOT NULL,
  colour_name   text     NOT NULL,
  classified    smallint NOT NULL CHECK (classified IN (0, 1)),
  created_at    bigint   NOT NULL
);

-- Gallery: public images newest first, and each owner's own images.
CREATE INDEX images_visibility ON images (visibility, seq);
CREATE INDEX images_owner ON images (owner_id, visibility, seq);

-- The top 3 MobileNet classes of an image, rank 1 = most probable.
CREATE TABLE image_labels (
  image_seq   bigint           NOT NULL REFERENCES images (seq) ON DELETE CASCADE,
  rank        smallint         NOT NULL CHECK (rank BETWEEN 1 AND 3),
  name        text             NOT NULL,
  probability double precision NOT NULL,
  PRIMARY KEY (image_seq, rank)
);

-- Normalised search terms (colour name and hex, label synonyms and their WordNet hypernyms,
-- uploader, id). Visibility is copied in so a search is one index range per term, filtered in place.
CREATE TABLE image_terms (
  term      text     NOT NULL,
  image_seq bigint   NOT NULL REFERENCES images (seq) ON DELETE CASCADE,
  owner_id  bigint   NOT NULL,
  public    smallint NOT NULL CHECK (public IN (0, 1)),
  PRIMARY KEY (term, image_seq)
);

-- For ON DELETE CASCADE and for rewriting an image's terms.
CREATE INDEX image_terms_image ON image_terms (image_seq);
