-- Forum threads, moderation and watching. A thread's Page and its replies
-- live in objects (the reply tree by root and path, as for blog comments);
-- threads holds what forum pages list, kept in step when replies arrive,
-- so that a forum page is one indexed range read (GUIDE §5).
CREATE TABLE threads (
    id            INTEGER PRIMARY KEY,
    iri           TEXT    NOT NULL UNIQUE,
    forum_id      INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
    title         TEXT    NOT NULL,
    author        TEXT    NOT NULL,
    author_name   TEXT    NOT NULL DEFAULT '',
    author_handle TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    last_activity INTEGER NOT NULL,
    reply_count   INTEGER NOT NULL DEFAULT 0,
    locked        INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    pinned        INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    answer_iri    TEXT    NOT NULL DEFAULT '',
    answered      INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)),
    deleted       INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
) STRICT;

CREATE INDEX threads_forum ON threads (forum_id, deleted, last_activity, id);
CREATE INDEX threads_forum_answered ON threads (forum_id, deleted, answered, last_activity, id);
CREATE INDEX threads_pinned ON threads (forum_id, pinned) WHERE pinned = 1;

-- Members who moderate a forum.
CREATE TABLE forum_moderators (
    forum_id  INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (forum_id, member_id)
) STRICT, WITHOUT ROWID;

-- Actors, local or remote, banned from a forum.
CREATE TABLE forum_bans (
    forum_id   INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
    actor      TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    moderator  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (forum_id, actor)
) STRICT, WITHOUT ROWID;

-- Every moderation action: who did what to which, when and why.
CREATE TABLE modlog (
    id         INTEGER PRIMARY KEY,
    forum_id   INTEGER REFERENCES forums (id) ON DELETE SET NULL,
    moderator  TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX modlog_forum ON modlog (forum_id, id);

-- Threads a member watches: replies notify them.
CREATE TABLE thread_watches (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    thread_iri TEXT    NOT NULL,
    PRIMARY KEY (member_id, thread_iri)
) STRICT, WITHOUT ROWID;

CREATE INDEX thread_watches_thread ON thread_watches (thread_iri);
