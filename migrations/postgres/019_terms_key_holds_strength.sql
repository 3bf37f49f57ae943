-- A ranked search over several terms joins each term's rows by image on the primary key (search-repo.ts,
-- `inEvery`), and each of those rows needs its strength. With the strength in the key's index, the join
-- reads only that index (index-only scans, merged in image order) instead of fetching every row from the
-- table (PostgreSQL chose the image_seq index and the heap instead; README, Ranked search, has the figures).
-- The key itself is unchanged: ON CONFLICT and the lookups name the same columns.
ALTER TABLE image_terms DROP CONSTRAINT image_terms_pkey;
ALTER TABLE image_terms ADD PRIMARY KEY (term, public, image_seq) INCLUDE (strength);
