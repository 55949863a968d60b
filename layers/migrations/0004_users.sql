-- Lookout schema, version 4: who made each change, and the users.
--
-- `events.token` is the name of the API token an event came through (the
-- authenticated user is `actor`). Users, tokens and sessions are events in
-- the log like every other change (user_created, token_revoked, signed_in,
-- ...), folded by every replica, so a disabled user's sessions end on every
-- replica as soon as it follows the event. `users` and `tokens` are a
-- projection of those events, written in the same transaction, for
-- reporting and for SQL: the log stays the truth. Passwords, tokens and
-- session ids are kept only as hashes (Argon2id, SHA-256).

ALTER TABLE lookout.events ADD COLUMN token text;
CREATE INDEX events_actor ON lookout.events (actor, at);

CREATE TABLE lookout.users (
    username text PRIMARY KEY,
    role text NOT NULL,
    scope jsonb,
    disabled boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_seq bigint NOT NULL
);

CREATE TABLE lookout.tokens (
    id text PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL,
    scope jsonb,
    hash text NOT NULL UNIQUE,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked boolean NOT NULL DEFAULT false,
    last_used timestamptz
);
