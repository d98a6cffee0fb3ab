-- Forums: discussion categories, each a Group actor with its own key pair.
-- A forum's name shares the namespace of members' usernames; storage
-- checks both tables when either is created.
CREATE TABLE forums (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    title                TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    language             TEXT    NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    members_only_threads INTEGER NOT NULL DEFAULT 0 CHECK (members_only_threads IN (0, 1)),
    public_key_pem       TEXT    NOT NULL,
    private_key_pem      TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
