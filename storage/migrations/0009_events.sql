-- Events: the agenda, recurring series, participation and calendar feeds.
-- Local and received events share one table so that the agenda (local and
-- network) is one indexed range read. A local event also has an objects
-- row (type Event), under which replies from the fediverse thread as they
-- do under a post.

-- A recurring series. template is the JSON of the fields each occurrence
-- starts from; first_start (UTC) in time_zone gives the wall clock the
-- rule repeats.
CREATE TABLE event_series (
    id            INTEGER PRIMARY KEY,
    rrule         TEXT    NOT NULL,
    time_zone     TEXT    NOT NULL,
    first_start   INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL CHECK (duration_ms > 0),
    horizon_weeks INTEGER NOT NULL DEFAULT 12,
    template      TEXT    NOT NULL,
    creator_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
    id                INTEGER PRIMARY KEY,
    iri               TEXT    NOT NULL UNIQUE,
    local             INTEGER NOT NULL CHECK (local IN (0, 1)),
    series_id         INTEGER REFERENCES event_series (id) ON DELETE SET NULL,
    occurrence_start  INTEGER NOT NULL DEFAULT 0,
    edited            INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL DEFAULT '',
    content           TEXT    NOT NULL DEFAULT '',
    summary           TEXT    NOT NULL DEFAULT '',
    start_at          INTEGER NOT NULL,
    end_at            INTEGER NOT NULL,
    time_zone         TEXT    NOT NULL,
    place             TEXT    NOT NULL DEFAULT '', -- JSON of content.Place; '' for none
    online_url        TEXT    NOT NULL DEFAULT '',
    organizer         TEXT    NOT NULL,
    organizer_kind    TEXT    NOT NULL CHECK (organizer_kind IN ('member', 'forum', 'organisation', 'remote')),
    organizer_name    TEXT    NOT NULL DEFAULT '',
    creator_id        INTEGER REFERENCES members (id) ON DELETE SET NULL,
    speakers          TEXT    NOT NULL DEFAULT '', -- JSON array of content.Speaker
    capacity          INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    join_mode         TEXT    NOT NULL CHECK (join_mode IN ('free', 'restricted', 'external', 'invite')),
    registration_url  TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL CHECK (status IN ('TENTATIVE', 'CONFIRMED', 'CANCELLED')),
    tags              TEXT    NOT NULL DEFAULT '',
    cover_media_id    INTEGER REFERENCES media (id) ON DELETE SET NULL,
    cover_url         TEXT    NOT NULL DEFAULT '',
    cover_alt         TEXT    NOT NULL DEFAULT '',
    language          TEXT    NOT NULL DEFAULT '',
    sequence          INTEGER NOT NULL DEFAULT 0,
    participant_count INTEGER NOT NULL DEFAULT 0,
    waiting_count     INTEGER NOT NULL DEFAULT 0,
    pending_count     INTEGER NOT NULL DEFAULT 0,
    url               TEXT    NOT NULL DEFAULT '',
    published         INTEGER NOT NULL,
    updated           INTEGER NOT NULL DEFAULT 0,
    deleted           INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    UNIQUE (series_id, occurrence_start)
) STRICT;

CREATE INDEX events_agenda ON events (deleted, start_at, id);
CREATE INDEX events_organizer ON events (organizer, deleted, start_at);
CREATE INDEX events_end ON events (deleted, end_at, id);

-- Hashtags of events, with the start so that a tag's agenda is one range.
CREATE TABLE event_tags (
    tag      TEXT    NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    start_at INTEGER NOT NULL,
    PRIMARY KEY (tag, event_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX event_tags_time ON event_tags (tag, start_at);

-- Who takes part: local members (member_id) and remote actors. The order
-- of ids is the order of the waiting list. join_iri is the Join activity
-- that Accept, Reject, Leave and Undo name.
CREATE TABLE event_participants (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor       TEXT    NOT NULL,
    member_id   INTEGER REFERENCES members (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL CHECK (state IN ('accepted', 'pending', 'waiting', 'rejected')),
    join_iri    TEXT    NOT NULL DEFAULT '',
    message     TEXT    NOT NULL DEFAULT '',
    reminded_at INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (event_id, actor)
) STRICT;

CREATE INDEX event_participants_queue ON event_participants (event_id, state, id);
CREATE INDEX event_participants_member ON event_participants (member_id, event_id) WHERE member_id IS NOT NULL;
CREATE INDEX event_participants_join ON event_participants (join_iri) WHERE join_iri <> '';

-- A member's private calendar address (the events they signed up for);
-- rotating the token revokes the old address.
CREATE TABLE calendar_tokens (
    member_id  INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    token      TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

-- Notifications learn the event kinds. SQLite cannot change a CHECK in
-- place, so the table is rebuilt with the same rows.
CREATE TABLE notifications_new (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('follow', 'follow_request', 'mention', 'reply', 'like', 'announce', 'thread',
                    'event_join', 'event_request', 'event_accepted', 'event_rejected', 'event_reminder', 'event_changed', 'event_cancelled')),
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
