-- Actors on other servers, as last fetched. raw keeps the whole document.
CREATE TABLE remote_actors (
    id             INTEGER PRIMARY KEY,
    iri            TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL,
    username       TEXT    NOT NULL DEFAULT '',
    host           TEXT    NOT NULL,
    name           TEXT    NOT NULL DEFAULT '',
    inbox          TEXT    NOT NULL,
    shared_inbox   TEXT    NOT NULL DEFAULT '',
    followers      TEXT    NOT NULL DEFAULT '',
    url            TEXT    NOT NULL DEFAULT '',
    key_id         TEXT    NOT NULL DEFAULT '',
    public_key_pem TEXT    NOT NULL DEFAULT '',
    raw            TEXT    NOT NULL,
    fetched_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX remote_actors_key ON remote_actors (key_id);

-- Follow relations; one side is always a local actor. follow_iri is the id
-- of the Follow activity that Accept, Reject and Undo refer to.
CREATE TABLE follows (
    id         INTEGER PRIMARY KEY,
    follow_iri TEXT    NOT NULL UNIQUE,
    follower   TEXT    NOT NULL,
    followee   TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (follower, followee)
) STRICT;

CREATE INDEX follows_followee ON follows (followee, state, id);

-- Verified incoming activities, written before the sender gets its 202
-- and processed afterwards. activity_iri makes redeliveries no-ops.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    activity_iri TEXT    NOT NULL UNIQUE,
    actor        TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    outcome      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX inbox_pending ON inbox (id) WHERE processed_at IS NULL;

-- Activities this node published, as sent.
CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    iri        TEXT    NOT NULL UNIQUE,
    actor      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    object_iri TEXT    NOT NULL DEFAULT '',
    public     INTEGER NOT NULL CHECK (public IN (0, 1)),
    body       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX activities_actor ON activities (actor, public, id);

-- Content: local notes and objects received from other servers. content is
-- sanitised HTML; raw is the document as received.
CREATE TABLE objects (
    id            INTEGER PRIMARY KEY,
    iri           TEXT    NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    attributed_to TEXT    NOT NULL,
    local         INTEGER NOT NULL CHECK (local IN (0, 1)),
    name          TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    content       TEXT    NOT NULL DEFAULT '',
    in_reply_to   TEXT    NOT NULL DEFAULT '',
    url           TEXT    NOT NULL DEFAULT '',
    public        INTEGER NOT NULL CHECK (public IN (0, 1)),
    published     INTEGER NOT NULL,
    updated       INTEGER NOT NULL DEFAULT 0,
    raw           TEXT    NOT NULL DEFAULT '',
    deleted       INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
) STRICT;

CREATE INDEX objects_author ON objects (attributed_to, id);
CREATE INDEX objects_reply ON objects (in_reply_to) WHERE in_reply_to <> '';

-- The delivery queue: one row per activity and target inbox. claimed marks
-- rows a worker of the running process holds; a start clears it, so a
-- crash never strands a delivery.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    activity_id     INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    inbox           TEXT    NOT NULL,
    host            TEXT    NOT NULL,
    signer          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    claimed         INTEGER NOT NULL DEFAULT 0 CHECK (claimed IN (0, 1)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_status     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (activity_id, inbox)
) STRICT;

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending' AND claimed = 0;
CREATE INDEX deliveries_state ON deliveries (state, host);

CREATE INDEX remote_actors_inbox ON remote_actors (inbox);

-- How actor ids start: https, or http for a node served with --dev on
-- loopback. Written by `kring serve`, read by every command that builds ids.
ALTER TABLE node ADD COLUMN scheme TEXT NOT NULL DEFAULT 'https' CHECK (scheme IN ('http', 'https'));

-- A member who approves followers by hand gets follow requests, not followers.
ALTER TABLE members ADD COLUMN manually_approves_followers INTEGER NOT NULL DEFAULT 0 CHECK (manually_approves_followers IN (0, 1));
