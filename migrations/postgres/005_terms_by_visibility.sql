-- A search reads public matches and the viewer's own private ones as two index ranges, so it never reads
-- another user's private images: public leads the primary key, and a partial index holds each owner's
-- private terms.
ALTER TABLE image_terms DROP CONSTRAINT image_terms_pkey;
ALTER TABLE image_terms ADD PRIMARY KEY (term, public, image_seq);
CREATE INDEX image_terms_private ON image_terms (term, owner_id, image_seq) WHERE public = 0;
