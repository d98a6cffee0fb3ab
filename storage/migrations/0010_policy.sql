-- Federation policy: which servers and actors the node deals with, and
-- how. A policy on a domain covers its subdomains ("example.org" also
-- holds "social.example.org"); a domain with a port ("b.test:8080")
-- names only that port. Where several policies match, the strictest
-- applies. Domains are stored as content.ParseDomain leaves them: lower
-- case, only a-z 0-9 . - and a port, so they are safe in GLOB patterns.

-- Moderated domains, as Mastodon's domain_blocks.csv has them. severity:
-- suspend refuses everything and drops what was stored; limit (Mastodon's
-- silence) stores but keeps out of public listings; noop only carries
-- reject_media or reject_reports.
CREATE TABLE domain_blocks (
    domain          TEXT    NOT NULL PRIMARY KEY,
    severity        TEXT    NOT NULL CHECK (severity IN ('suspend', 'limit', 'noop')),
    reject_media    INTEGER NOT NULL DEFAULT 0 CHECK (reject_media IN (0, 1)),
    reject_reports  INTEGER NOT NULL DEFAULT 0 CHECK (reject_reports IN (0, 1)),
    public_comment  TEXT    NOT NULL DEFAULT '',
    private_comment TEXT    NOT NULL DEFAULT '',
    obfuscate       INTEGER NOT NULL DEFAULT 0 CHECK (obfuscate IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The triggers below read only the few rows that change stored content.
CREATE INDEX domain_blocks_severity ON domain_blocks (severity);
CREATE INDEX domain_blocks_media ON domain_blocks (reject_media) WHERE reject_media = 1;

-- The domains the node federates with in allowlist mode.
CREATE TABLE domain_allows (
    domain     TEXT    NOT NULL PRIMARY KEY,
    comment    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Remote actors suspended or limited one by one.
CREATE TABLE actor_policies (
    actor      TEXT    NOT NULL PRIMARY KEY,
    severity   TEXT    NOT NULL CHECK (severity IN ('suspend', 'limit')),
    reason     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- One row: the mode, and a version that every change of the three tables
-- above raises, so that a running `kring serve` notices a change the CLI
-- made with one small read instead of reloading the policy.
CREATE TABLE federation_policy (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    mode       TEXT    NOT NULL DEFAULT 'open' CHECK (mode IN ('open', 'allowlist')),
    version    INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO federation_policy (id) VALUES (1);

CREATE TRIGGER domain_blocks_version_insert AFTER INSERT ON domain_blocks
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER domain_blocks_version_update AFTER UPDATE ON domain_blocks
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER domain_blocks_version_delete AFTER DELETE ON domain_blocks
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER domain_allows_version_insert AFTER INSERT ON domain_allows
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER domain_allows_version_update AFTER UPDATE ON domain_allows
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER domain_allows_version_delete AFTER DELETE ON domain_allows
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER actor_policies_version_insert AFTER INSERT ON actor_policies
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER actor_policies_version_update AFTER UPDATE ON actor_policies
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER actor_policies_version_delete AFTER DELETE ON actor_policies
BEGIN UPDATE federation_policy SET version = version + 1; END;
CREATE TRIGGER federation_policy_version AFTER UPDATE OF mode ON federation_policy
BEGIN UPDATE federation_policy SET version = version + 1; END;

-- Received objects and events carry the policy as it stood when they were
-- written (GUIDE §5: pages read rows, not joins): limited rows stay out of
-- public listings. origin is the author's host ("b.test:8080"), computed
-- from the author's id, for the triggers and for dropping a suspended
-- domain's content.
ALTER TABLE objects ADD COLUMN limited INTEGER NOT NULL DEFAULT 0 CHECK (limited IN (0, 1));
ALTER TABLE objects ADD COLUMN origin TEXT GENERATED ALWAYS AS (lower(substr(attributed_to, instr(attributed_to, '://') + 3,
    instr(substr(attributed_to, instr(attributed_to, '://') + 3) || '/', '/') - 1))) VIRTUAL;
ALTER TABLE events ADD COLUMN limited INTEGER NOT NULL DEFAULT 0 CHECK (limited IN (0, 1));
ALTER TABLE events ADD COLUMN origin TEXT GENERATED ALWAYS AS (lower(substr(organizer, instr(organizer, '://') + 3,
    instr(substr(organizer, instr(organizer, '://') + 3) || '/', '/') - 1))) VIRTUAL;

-- The policy holds for every write of received content, whichever path
-- makes it (the inbox, a fetch, a batch): a suspended domain's or actor's
-- object is not stored (the inbox and the client refuse them first; this
-- closes the race with a suspension made while an activity was being
-- processed), a limited one is marked, and media from a domain that
-- rejects media is dropped. Domain matching is the rule above, written
-- out: the host, a subdomain, the host on any port, a subdomain on any
-- port.
CREATE TRIGGER objects_policy_refuse BEFORE INSERT ON objects
WHEN NEW.local = 0 AND (
    EXISTS (SELECT 1 FROM actor_policies a WHERE a.actor = NEW.attributed_to AND a.severity = 'suspend')
    OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'suspend' AND (NEW.origin = d.domain
        OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*'))
    OR (EXISTS (SELECT 1 FROM federation_policy WHERE mode = 'allowlist')
        AND NOT EXISTS (SELECT 1 FROM domain_allows d WHERE NEW.origin = d.domain
            OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*')))
BEGIN
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER objects_policy_mark AFTER INSERT ON objects
WHEN NEW.local = 0
BEGIN
    UPDATE objects SET limited = 1 WHERE id = NEW.id AND (
        EXISTS (SELECT 1 FROM actor_policies a WHERE a.actor = NEW.attributed_to AND a.severity = 'limit')
        OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'limit' AND (NEW.origin = d.domain
            OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*')));
    UPDATE objects SET attachments = '' WHERE id = NEW.id AND NEW.attachments <> '' AND
        EXISTS (SELECT 1 FROM domain_blocks d WHERE d.reject_media = 1 AND (NEW.origin = d.domain
            OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*'));
END;

CREATE TRIGGER objects_policy_media AFTER UPDATE OF attachments ON objects
WHEN NEW.local = 0 AND NEW.attachments <> '' AND
    EXISTS (SELECT 1 FROM domain_blocks d WHERE d.reject_media = 1 AND (NEW.origin = d.domain
        OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*'))
BEGIN
    UPDATE objects SET attachments = '' WHERE id = NEW.id;
END;

-- An event cannot be skipped silently (its writer reads back the new
-- row's id), so a suspended one is refused with an error.
CREATE TRIGGER events_policy_refuse BEFORE INSERT ON events
WHEN NEW.local = 0 AND (
    EXISTS (SELECT 1 FROM actor_policies a WHERE a.actor = NEW.organizer AND a.severity = 'suspend')
    OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'suspend' AND (NEW.origin = d.domain
        OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*'))
    OR (EXISTS (SELECT 1 FROM federation_policy WHERE mode = 'allowlist')
        AND NOT EXISTS (SELECT 1 FROM domain_allows d WHERE NEW.origin = d.domain
            OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*')))
BEGIN
    SELECT RAISE(ABORT, 'federation policy: events from this domain or actor are refused');
END;

CREATE TRIGGER events_policy_mark AFTER INSERT ON events
WHEN NEW.local = 0
BEGIN
    UPDATE events SET limited = 1 WHERE id = NEW.id AND (
        EXISTS (SELECT 1 FROM actor_policies a WHERE a.actor = NEW.organizer AND a.severity = 'limit')
        OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'limit' AND (NEW.origin = d.domain
            OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*')));
    UPDATE events SET cover_url = '', cover_alt = '' WHERE id = NEW.id AND NEW.cover_url <> '' AND
        EXISTS (SELECT 1 FROM domain_blocks d WHERE d.reject_media = 1 AND (NEW.origin = d.domain
            OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*'));
END;

CREATE TRIGGER events_policy_media AFTER UPDATE OF cover_url ON events
WHEN NEW.local = 0 AND NEW.cover_url <> '' AND
    EXISTS (SELECT 1 FROM domain_blocks d WHERE d.reject_media = 1 AND (NEW.origin = d.domain
        OR NEW.origin GLOB '*.' || d.domain OR NEW.origin GLOB d.domain || ':*' OR NEW.origin GLOB '*.' || d.domain || ':*'))
BEGIN
    UPDATE events SET cover_url = '', cover_alt = '' WHERE id = NEW.id;
END;
