-- Search: one full-text index over blog posts, forum threads and replies,
-- received posts, events, members and known remote actors, kept in step
-- by the triggers below, so that no write path has to remember it.
--
-- The triggers do not write the index itself: they queue the changed
-- row's entry in search_queue, and storage/search_index.go brings the
-- queued entries into the index in bulk, before every search and in the
-- background. FTS5 writes its pending terms to disk at every statement
-- savepoint, so an index written row by row inside the inbox's batches
-- made a segment per received post and halved the inbox's throughput;
-- a queued entry costs one small row.
--
-- It holds plain text (kring_html_text and kring_plain_text, registered by
-- storage/search_text.go), never HTML: snippets show text, and text is
-- escaped when shown. unicode61 with remove_diacritics 2 folds accents, so
-- "coöperatie" and "cooperatie", "café" and "cafe" are one word. There is
-- no stemmer: porter is English only and the node writes Dutch first, where
-- its rules give nothing (no -en plurals) and in English it conflates words
-- that differ ("university", "universe"); a query word ending in * matches
-- every word it starts instead.
--
-- The rowid names the source row: its id times 8 plus the kind, 1 post,
-- 2 object (thread, reply or received post), 3 event, 4 member, 5 remote
-- actor; a change or a deletion finds its entry by rowid, never by a scan.
-- Who may read an entry is decided when searching, from the rows
-- themselves (state, follows, suspensions and federation policy change
-- without touching the text). scope is what the addressing of the text
-- says: a post's visibility; for an object public, unlisted (Mastodon's:
-- public only in cc) or private.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title,
    body,
    scope UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The entries to bring up to date: doc is the index rowid. The triggers
-- test for the entry rather than INSERT OR IGNORE: an upsert that fires
-- them (remote_actors, events) imposes its own conflict handling, ABORT,
-- on every statement of the trigger.
CREATE TABLE search_queue (
    doc INTEGER PRIMARY KEY
) STRICT;

CREATE TRIGGER posts_search_insert AFTER INSERT ON posts WHEN NEW.state = 'published'
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 1 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 1); END;
CREATE TRIGGER posts_search_update AFTER UPDATE OF title, summary, content, tags, state, visibility ON posts
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 1 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 1); END;
CREATE TRIGGER posts_search_delete AFTER DELETE ON posts
BEGIN INSERT INTO search_queue (doc) SELECT OLD.id * 8 + 1 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = OLD.id * 8 + 1); END;

CREATE TRIGGER objects_search_insert AFTER INSERT ON objects WHEN NEW.type <> 'Event'
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 2 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 2); END;
CREATE TRIGGER objects_search_update AFTER UPDATE OF name, summary, content, tags, deleted, public, raw ON objects WHEN NEW.type <> 'Event'
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 2 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 2); END;
CREATE TRIGGER objects_search_delete AFTER DELETE ON objects WHEN OLD.type <> 'Event'
BEGIN INSERT INTO search_queue (doc) SELECT OLD.id * 8 + 2 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = OLD.id * 8 + 2); END;

CREATE TRIGGER events_search_insert AFTER INSERT ON events
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 3 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 3); END;
CREATE TRIGGER events_search_update AFTER UPDATE OF title, summary, content, place, tags, deleted ON events
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 3 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 3); END;
CREATE TRIGGER events_search_delete AFTER DELETE ON events
BEGIN INSERT INTO search_queue (doc) SELECT OLD.id * 8 + 3 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = OLD.id * 8 + 3); END;

CREATE TRIGGER members_search_insert AFTER INSERT ON members
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 4 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 4); END;
CREATE TRIGGER members_search_update AFTER UPDATE OF username, display_name, bio ON members
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 4 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 4); END;
CREATE TRIGGER members_search_delete AFTER DELETE ON members
BEGIN INSERT INTO search_queue (doc) SELECT OLD.id * 8 + 4 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = OLD.id * 8 + 4); END;

CREATE TRIGGER remote_actors_search_insert AFTER INSERT ON remote_actors
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 5 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 5); END;
CREATE TRIGGER remote_actors_search_update AFTER UPDATE OF name, username, raw ON remote_actors
BEGIN INSERT INTO search_queue (doc) SELECT NEW.id * 8 + 5 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = NEW.id * 8 + 5); END;
CREATE TRIGGER remote_actors_search_delete AFTER DELETE ON remote_actors
BEGIN INSERT INTO search_queue (doc) SELECT OLD.id * 8 + 5 WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE doc = OLD.id * 8 + 5); END;

-- What was stored before this migration.
INSERT INTO search_fts (rowid, title, body, scope)
    SELECT id * 8 + 1, kring_plain_text(title), kring_plain_text(summary) || ' ' || kring_html_text(content) || ' ' || tags, visibility
    FROM posts WHERE state = 'published';

INSERT INTO search_fts (rowid, title, body, scope)
    SELECT id * 8 + 2, CASE WHEN local = 1 THEN kring_plain_text(name) ELSE kring_html_text(name) END,
        kring_html_text(summary) || ' ' || kring_html_text(content) || ' ' || tags,
        CASE
            WHEN public = 0 THEN 'private'
            WHEN local = 0 AND json_valid(raw)
                AND NOT EXISTS (SELECT 1 FROM json_each(raw, '$.to') WHERE value IN ('https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'))
                AND EXISTS (SELECT 1 FROM json_each(raw, '$.cc') WHERE value IN ('https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'))
                THEN 'unlisted'
            ELSE 'public'
        END
    FROM objects o WHERE type <> 'Event' AND deleted = 0 AND NOT (local = 1 AND EXISTS (SELECT 1 FROM posts p WHERE p.iri = o.iri));

INSERT INTO search_fts (rowid, title, body, scope)
    SELECT id * 8 + 3, CASE WHEN local = 1 THEN kring_plain_text(title) ELSE kring_html_text(title) END,
        kring_plain_text(summary) || ' ' || kring_html_text(content) || ' ' ||
            CASE WHEN json_valid(place) THEN kring_plain_text(COALESCE(json_extract(place, '$.name'), '')) ELSE '' END
            || ' ' || tags,
        'public'
    FROM events WHERE deleted = 0;

INSERT INTO search_fts (rowid, title, body, scope)
    SELECT id * 8 + 4, kring_plain_text(display_name || ' ' || username), kring_plain_text(bio), 'public' FROM members;

INSERT INTO search_fts (rowid, title, body, scope)
    SELECT id * 8 + 5, kring_plain_text(name || ' ' || username),
        CASE WHEN json_valid(raw) THEN kring_html_text(json_extract(raw, '$.summary')) ELSE '' END, 'public'
    FROM remote_actors;
