-- Files that may sit in UPLOAD_DIR without an image row: an upload records its files here before it moves
-- them into place (the row's insert removes the record), and a delete records them as it removes the row
-- (the record goes once the files are gone). The start-up sweep removes exactly these files and no others,
-- so files the database does not know (a mistyped DATA_DIR, a restored backup) are never deleted.
CREATE TABLE pending_files (
  id         TEXT    PRIMARY KEY, -- the image id, the stem of its file names
  format     TEXT    NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'gif', 'avif', 'tiff')),
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
