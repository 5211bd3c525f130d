-- Encrypted credentials (the vault). Plain SQL for SQLite and PostgreSQL like V1; binary columns are spelled by the
-- ${bytes_column} placeholder (BLOB on SQLite, BYTEA on PostgreSQL) that Store supplies per database.
-- Nothing here is plaintext: the payload is AES-256-GCM under a per-record data key, and that data key is stored
-- only wrapped (AES-256-GCM) by the master key named in key_id. See io.vmdesk.vault.Vault for the format.
-- Rows are never deleted by the vault: a newer version supersedes an older one (superseded_at is set).

CREATE TABLE credentials (
    id            TEXT            NOT NULL PRIMARY KEY,  -- random UUID, chosen before encryption (it is in the AAD)
    user_id       TEXT            NOT NULL,
    provider      TEXT            NOT NULL,              -- claude_code, codex, gemini, copilot, oidc, ...
    session_id    TEXT,                                  -- the login session that handed it back, if any
    version       INTEGER         NOT NULL,              -- 1, 2, ... per (user_id, provider)
    key_id        TEXT            NOT NULL,              -- which master key wrapped the data key
    wrapped_key   ${bytes_column} NOT NULL,              -- the data key, encrypted and authenticated
    key_nonce     ${bytes_column} NOT NULL,              -- 96-bit GCM nonce of wrapped_key
    payload_nonce ${bytes_column} NOT NULL,              -- 96-bit GCM nonce of ciphertext
    ciphertext    ${bytes_column} NOT NULL,              -- the credential, encrypted with its tag appended
    aad_version   INTEGER         NOT NULL,              -- layout of the associated data, for future changes
    created_at    BIGINT          NOT NULL,
    superseded_at BIGINT,
    CONSTRAINT credentials_version UNIQUE (user_id, provider, version)
);
CREATE INDEX credentials_session ON credentials (session_id, created_at);
CREATE INDEX credentials_key ON credentials (key_id);
