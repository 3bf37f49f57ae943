-- One owner's images as lists of their own (migration 013): "Mine", "My private" and another uploader's
-- public images, newest first and by date taken, each read as one index range at any depth.
-- images_owner (owner_id, visibility, seq) already serves one visibility newest first.
CREATE INDEX images_owner_recent ON images (owner_id, seq);
CREATE INDEX images_owner_taken ON images (owner_id, shot_at, seq);
CREATE INDEX images_owner_visibility_taken ON images (owner_id, visibility, shot_at, seq);
