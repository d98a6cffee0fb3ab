-- The node's own settings: exactly one row, written by `kring init`.
CREATE TABLE node (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    host             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    default_language TEXT    NOT NULL DEFAULT 'nl' CHECK (default_language IN ('nl', 'en')),
    public_key_pem   TEXT    NOT NULL,
    private_key_pem  TEXT    NOT NULL,
    created_at       INTEGER NOT NULL, -- unix milliseconds, UTC
    updated_at       INTEGER NOT NULL
) STRICT;

-- Local accounts. Usernames are part of actor ids and never change.
CREATE TABLE members (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL DEFAULT '',
    bio             TEXT    NOT NULL DEFAULT '',
    language        TEXT    NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    suspended       INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    password_hash   TEXT    NOT NULL,
    public_key_pem  TEXT    NOT NULL,
    private_key_pem TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
