-- The account lifecycle: moving between servers, aliases, deleting a
-- member, rotating keys and invitations.

-- moved_to is the actor id a member moved to ('' while here), published as
-- movedTo. also_known_as is a JSON array of actor ids the member says are
-- also theirs (alsoKnownAs), which lets one of them move here. deleted_at
-- is when the member deleted the account (0 while it exists): the row
-- stays, so that the username is never given to someone else and the
-- actor id answers 410 Gone.
ALTER TABLE members ADD COLUMN moved_to TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(also_known_as));
ALTER TABLE members ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;

-- A deleted account is suspended for good: reinstating it would bring back
-- an actor its followers' servers were told is gone.
CREATE TRIGGER members_deleted_stay_suspended BEFORE UPDATE OF suspended ON members
WHEN OLD.deleted_at <> 0 AND NEW.suspended = 0
BEGIN
    SELECT RAISE(ABORT, 'member is deleted and cannot be reinstated');
END;

-- Retired public keys, one row per rotation of any local actor's key (a
-- member, a forum's Group, the organisation, the instance actor). Only the
-- public half is kept: a key is rotated because it may have leaked, so the
-- node never signs with a retired key again.
CREATE TABLE key_rotations (
    id                 INTEGER PRIMARY KEY,
    actor              TEXT    NOT NULL,
    old_public_key_pem TEXT    NOT NULL,
    rotated_at         INTEGER NOT NULL
) STRICT;

CREATE INDEX key_rotations_actor ON key_rotations (actor, id);

-- Invitations to register. Only the SHA-256 of the code is stored: the
-- link is shown once. max_uses 0 means unlimited; expires_at and
-- revoked_at are 0 when not set.
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY,
    code_hash  TEXT    NOT NULL UNIQUE,
    prefix     TEXT    NOT NULL, -- the code's first characters, to name it in lists
    created_by TEXT    NOT NULL DEFAULT '',
    max_uses   INTEGER NOT NULL DEFAULT 1 CHECK (max_uses >= 0),
    uses       INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    expires_at INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
