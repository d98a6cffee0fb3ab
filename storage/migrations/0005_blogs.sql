-- Blogs: posts, media, reactions, tags, comments, static pages and
-- notifications. Counts and thread positions are written when an activity
-- arrives, so pages read rows instead of building joins (GUIDE §5).

-- Images uploaded by members. The file is <data>/media/<name>; name is
-- random, so URLs cannot be guessed from one another.
CREATE TABLE media (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    owner_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    media_type TEXT    NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    alt        TEXT    NOT NULL,
    blurhash   TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX media_owner ON media (owner_id, id);

-- Blog posts written here. iri is given at creation and never changes,
-- drafts included; the slug may change with the title.
CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    iri            TEXT    NOT NULL UNIQUE,
    author_id      INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    slug           TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    summary        TEXT    NOT NULL DEFAULT '',
    body           TEXT    NOT NULL,
    content        TEXT    NOT NULL,
    lead           TEXT    NOT NULL DEFAULT '',
    tags           TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL CHECK (language IN ('nl', 'en')),
    visibility     TEXT    NOT NULL CHECK (visibility IN ('public', 'unlisted', 'followers')),
    state          TEXT    NOT NULL CHECK (state IN ('draft', 'published', 'deleted')),
    as_note        INTEGER NOT NULL DEFAULT 0 CHECK (as_note IN (0, 1)),
    cover_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    published_at   INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (author_id, slug)
) STRICT;

CREATE INDEX posts_author ON posts (author_id, state, published_at);
CREATE INDEX posts_published ON posts (state, visibility, published_at);

-- Images in a post, in order.
CREATE TABLE post_media (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (post_id, media_id)
) STRICT;

-- Threads: root is the top object of the conversation a reply belongs to,
-- path orders a depth-first walk of it (zero-padded ids joined by '/'),
-- so a post's comments are one indexed range read in display order.
ALTER TABLE objects ADD COLUMN root TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN path TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN author_name TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN author_handle TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN author_url TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- attachments: JSON array of {url, mediaType, name, width, height}.
ALTER TABLE objects ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN like_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN announce_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;

CREATE INDEX objects_thread ON objects (root, path) WHERE root <> '';

-- Likes and boosts of objects, one per actor and kind; Undo removes the row
-- and lowers the count in the same transaction.
CREATE TABLE reactions (
    id           INTEGER PRIMARY KEY,
    activity_iri TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL CHECK (kind IN ('like', 'announce')),
    actor        TEXT    NOT NULL,
    object_iri   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (kind, actor, object_iri)
) STRICT;

CREATE INDEX reactions_object ON reactions (object_iri, kind);

-- Hashtags of objects, local and received: tag is lower case, no '#'.
CREATE TABLE object_tags (
    tag        TEXT    NOT NULL,
    object_iri TEXT    NOT NULL,
    published  INTEGER NOT NULL,
    PRIMARY KEY (tag, object_iri)
) STRICT, WITHOUT ROWID;

CREATE INDEX object_tags_time ON object_tags (tag, published);

-- Actors mentioned by objects.
CREATE TABLE mentions (
    object_iri TEXT NOT NULL,
    actor_iri  TEXT NOT NULL,
    PRIMARY KEY (object_iri, actor_iri)
) STRICT, WITHOUT ROWID;

-- Static pages (about, the network, contact), one row per language.
CREATE TABLE pages (
    id         INTEGER PRIMARY KEY,
    slug       TEXT    NOT NULL,
    language   TEXT    NOT NULL CHECK (language IN ('nl', 'en')),
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    nav_order  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (slug, language)
) STRICT;

-- What members are told: new followers, mentions, replies, likes, boosts.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('follow', 'follow_request', 'mention', 'reply', 'like', 'announce')),
    actor       TEXT    NOT NULL,
    actor_name  TEXT    NOT NULL DEFAULT '',
    object_iri  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    read_at     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (member_id, kind, actor, object_iri)
) STRICT;

CREATE INDEX notifications_member ON notifications (member_id, id);
CREATE INDEX notifications_unread ON notifications (member_id) WHERE read_at = 0;

-- The organisation's own actor, which boosts every public post of the node.
ALTER TABLE node ADD COLUMN org_username TEXT NOT NULL DEFAULT '';
ALTER TABLE node ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE node ADD COLUMN org_public_key_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE node ADD COLUMN org_private_key_pem TEXT NOT NULL DEFAULT '';
