-- vmdesk store, first version. Plain SQL that runs unchanged on SQLite and PostgreSQL, except auto-increment
-- keys, spelled by the ${id_column} placeholder that Store supplies per database.
-- Timestamps are BIGINT milliseconds since the epoch (UTC); strings are TEXT (no arbitrary length limits).
-- Statuses and outcomes are checked in Java, not with CHECK constraints, because SQLite cannot alter a constraint.

CREATE TABLE sessions (
    id              TEXT   NOT NULL PRIMARY KEY,
    user_id         TEXT   NOT NULL,
    provider        TEXT,
    status          TEXT   NOT NULL,   -- STARTING, READY, ENDING (live); ENDED, FAILED (final)
    browser_ip      TEXT,
    mac             TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT,
    ready_at        BIGINT,
    ended_at        BIGINT,
    ended_reason    TEXT,
    diagnosis       TEXT,
    last_disconnect TEXT
);
CREATE INDEX sessions_status ON sessions (status);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

CREATE TABLE session_steps (
    id         ${id_column},           -- gives the order steps were appended in
    session_id TEXT   NOT NULL REFERENCES sessions (id),
    name       TEXT   NOT NULL,
    outcome    TEXT   NOT NULL,        -- ok, failed, undone
    started_at BIGINT,
    millis     BIGINT NOT NULL,
    detail     TEXT
);
CREATE INDEX session_steps_session ON session_steps (session_id, id);

-- One row per leased browser address. Both columns unique: an address has one session, a session one address.
-- No foreign key to sessions: a lease must be recordable (and releasable) whatever state the session row is in.
CREATE TABLE leases (
    address    BIGINT NOT NULL PRIMARY KEY,   -- the IPv4 address as an unsigned 32-bit number
    session_id TEXT   NOT NULL UNIQUE,
    leased_at  BIGINT NOT NULL
);

-- Host resources, recorded BEFORE creation and released (released_at set) after removal; never deleted.
-- No foreign key to sessions, for the same reason as leases: recording intent must not depend on anything else.
CREATE TABLE ledger_entries (
    id          ${id_column},
    session_id  TEXT   NOT NULL,
    kind        TEXT   NOT NULL,          -- interface, netns, process, directory, ...
    name        TEXT   NOT NULL,
    detail      TEXT,
    created_at  BIGINT NOT NULL,
    released_at BIGINT
);
CREATE INDEX ledger_entries_session ON ledger_entries (session_id, released_at);
CREATE INDEX ledger_entries_open ON ledger_entries (released_at);
