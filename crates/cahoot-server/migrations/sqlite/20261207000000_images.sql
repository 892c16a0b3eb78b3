-- Uploaded pictures for questions, re-encoded without metadata. The id is the SHA-256 (hex) of `bytes`;
-- each host owns their own row, so two hosts uploading the same picture both count it in their quota and
-- either can delete theirs.
CREATE TABLE images (
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    byte_count   INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (owner_id, id)
);
-- GET /api/images/{id} looks a picture up by hash alone
CREATE INDEX images_by_id ON images (id);
