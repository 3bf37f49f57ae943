-- A user's stored bytes (the quota) from an index alone.
CREATE INDEX images_owner_bytes ON images (owner_id, bytes);
