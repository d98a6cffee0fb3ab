-- Reports: what members of this node and other servers (Flag activities)
-- report about actors and their posts, replies and events, queued for
-- the moderators until one resolves or dismisses them. The reported
-- objects are copied as they were held when the report came in
-- (snapshot, JSON), so that a moderator judges what the reporter saw even
-- after the author edited or deleted it.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    origin      TEXT    NOT NULL CHECK (origin IN ('local', 'remote')),
    -- the reporting member (local reports); the reporter's actor id in
    -- either case, e.g. a remote server's instance actor
    reporter_id INTEGER REFERENCES members (id) ON DELETE SET NULL,
    reporter    TEXT    NOT NULL,
    target      TEXT    NOT NULL,                    -- the reported actor
    objects     TEXT    NOT NULL DEFAULT '[]',       -- JSON array of object ids
    snapshot    TEXT    NOT NULL DEFAULT '[]',       -- JSON array of the objects as held
    comment     TEXT    NOT NULL DEFAULT '',
    flag_iri    TEXT    UNIQUE,                      -- the Flag received; NULL for local reports
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed')),
    resolution  TEXT    NOT NULL DEFAULT '',         -- dismiss, delete, suspend or block-domain
    moderator   TEXT    NOT NULL DEFAULT '',         -- actor id of who resolved it
    reason      TEXT    NOT NULL DEFAULT '',
    forwarded   TEXT    NOT NULL DEFAULT '',         -- the Flag sent on to the target's server
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL DEFAULT 0,
    CHECK ((origin = 'local') = (flag_iri IS NULL))
) STRICT;

-- The queue: open reports, newest first.
CREATE INDEX reports_state ON reports (state, id);
-- Earlier reports about the same actor, shown as context.
CREATE INDEX reports_target ON reports (target, id);
-- A member's open report of the same thing is not filed twice.
CREATE INDEX reports_reporter ON reports (reporter_id, target) WHERE reporter_id IS NOT NULL;
