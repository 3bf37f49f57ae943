-- Nothing to change on SQLite: image_terms is a WITHOUT ROWID table, so its primary key's b-tree already
-- holds every column, the strength among them. PostgreSQL's migration 019 puts the strength in its key's index.
SELECT 1;
