-- Objects that may sit in the storage without an image row: an upload records its objects here before it
-- writes them (the row's insert removes the record), and a delete records them as it removes the row (the
-- record goes once the objects are gone). The sweep removes exactly these objects and no others.
CREATE TABLE pending_files (
  id         text   COLLATE "C" PRIMARY KEY, -- the image id, the stem of its object keys
  format     text   NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'gif', 'avif', 'tiff')),
  created_at bigint NOT NULL
);
