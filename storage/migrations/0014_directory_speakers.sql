-- Profiles: what members tell about their work, for the directory, the
-- speakers network and the open-data directory. One row per member who
-- filled something in; a member without a row has an empty, unlisted
-- profile. "job_title" is what the UI calls the member's role: members.role
-- is their permission on the node.
CREATE TABLE member_profiles (
    member_id         INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    organisation      TEXT    NOT NULL DEFAULT '',
    job_title         TEXT    NOT NULL DEFAULT '',
    region            TEXT    NOT NULL DEFAULT '',
    languages         TEXT    NOT NULL DEFAULT '[]', -- JSON array of language tags ("nl", "en", "fy")
    links             TEXT    NOT NULL DEFAULT '[]', -- JSON array of {"name", "url"}
    -- Listed members appear in the directory and its open data; nobody
    -- is listed until they choose to be.
    listed            INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1)),
    -- Speakers appear on the speakers page and receive speaker requests
    -- on their speaker topics (member_topics list 'speaker').
    speaker           INTEGER NOT NULL DEFAULT 0 CHECK (speaker IN (0, 1)),
    speaker_formats   TEXT    NOT NULL DEFAULT '[]', -- JSON array of content.TalkFormat
    speaker_languages TEXT    NOT NULL DEFAULT '[]', -- JSON array of language tags
    pitch             TEXT    NOT NULL DEFAULT '',
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX member_profiles_listed ON member_profiles (organisation, region) WHERE listed = 1;
CREATE INDEX member_profiles_speaker ON member_profiles (member_id) WHERE speaker = 1;

-- Topics of expertise (list 'profile') and speaker topics (list
-- 'speaker'), in the member's order. key is content.TopicKey(label):
-- "Open data", "open-data" and "OpenData" are one topic.
CREATE TABLE member_topics (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    list      TEXT    NOT NULL CHECK (list IN ('profile', 'speaker')),
    key       TEXT    NOT NULL,
    label     TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (member_id, list, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX member_topics_key ON member_topics (list, key);

-- Speaker requests: one request from an organiser reaches every matching
-- speaker (recipients), whose answers are bundled on the request's page.
CREATE TABLE speaker_requests (
    id           INTEGER PRIMARY KEY,
    token        TEXT    NOT NULL UNIQUE, -- the request's id in URLs and IRIs
    requester_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    event_title  TEXT    NOT NULL,
    event_id     INTEGER REFERENCES events (id) ON DELETE SET NULL, -- the agenda's event, when there is one
    event_date   TEXT    NOT NULL, -- YYYY-MM-DD
    place        TEXT    NOT NULL DEFAULT '',
    online       INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
    audience     TEXT    NOT NULL DEFAULT '',
    topic        TEXT    NOT NULL,
    topic_key    TEXT    NOT NULL,
    language     TEXT    NOT NULL DEFAULT '', -- a language tag; empty: any
    ask          TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX speaker_requests_requester ON speaker_requests (requester_id, id);

-- Whom a request reached: local speakers (member_id set) and remote
-- speakers following the node's Speakers group (member_id NULL, note_iri
-- the direct message they were sent). answer_token is the secret in the
-- answer link; a reply to note_iri answers too.
CREATE TABLE speaker_request_recipients (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES speaker_requests (id) ON DELETE CASCADE,
    actor        TEXT    NOT NULL,
    member_id    INTEGER REFERENCES members (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL DEFAULT '',
    url          TEXT    NOT NULL DEFAULT '', -- the speaker's profile page
    note_iri     TEXT    NOT NULL DEFAULT '',
    answer_token TEXT    NOT NULL UNIQUE,
    answer       TEXT    NOT NULL DEFAULT '' CHECK (answer IN ('', 'available', 'unavailable', 'note')),
    answer_note  TEXT    NOT NULL DEFAULT '',
    answered_via TEXT    NOT NULL DEFAULT '' CHECK (answered_via IN ('', 'link', 'reply')),
    answered_at  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (request_id, actor)
) STRICT;

CREATE INDEX speaker_request_recipients_note ON speaker_request_recipients (note_iri) WHERE note_iri != '';
CREATE INDEX speaker_request_recipients_member ON speaker_request_recipients (member_id) WHERE member_id IS NOT NULL;

-- The node's Speakers group actor has its own key pair, made on first use;
-- the open data's licence is the admin's choice.
ALTER TABLE node ADD COLUMN speakers_public_key_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE node ADD COLUMN speakers_private_key_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE node ADD COLUMN data_licence TEXT NOT NULL DEFAULT 'cc-by' CHECK (data_licence IN ('cc0', 'cc-by'));

-- Notifications learn the speaker kinds (the table is rebuilt, as in 0009).
CREATE TABLE notifications_new (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('follow', 'follow_request', 'mention', 'reply', 'like', 'announce', 'thread',
                    'event_join', 'event_request', 'event_accepted', 'event_rejected', 'event_reminder', 'event_changed', 'event_cancelled',
                    'speaker_request', 'speaker_answer', 'speaker_closed')),
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
