-- Members follow forums: a new thread in a followed forum is a
-- notification of its own kind. SQLite cannot change a CHECK in place, so
-- the table is rebuilt with the same rows.
CREATE TABLE notifications_new (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('follow', 'follow_request', 'mention', 'reply', 'like', 'announce', 'thread')),
    actor       TEXT    NOT NULL,
    actor_name  TEXT    NOT NULL DEFAULT '',
    object_iri  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    read_at     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (member_id, kind, actor, object_iri)
) STRICT;

INSERT INTO notifications_new (id, member_id, kind, actor, actor_name, object_iri, created_at, read_at)
    SELECT id, member_id, kind, actor, actor_name, object_iri, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;

CREATE INDEX notifications_member ON notifications (member_id, id);
CREATE INDEX notifications_unread ON notifications (member_id) WHERE read_at = 0;
