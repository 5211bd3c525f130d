-- Platform API keys (only a SHA-256 digest of each key is stored) and the audit log of session actions and
-- credential reads.
CREATE TABLE api_keys (
    id         TEXT   NOT NULL PRIMARY KEY,   -- the public part of the key (vmd_<id>_<secret>)
    name       TEXT   NOT NULL,
    scopes     TEXT   NOT NULL,               -- comma-separated
    digest     TEXT   NOT NULL,               -- hex SHA-256 of the whole key
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE audit_log (
    id         ${id_column},
    at         BIGINT NOT NULL,
    actor      TEXT   NOT NULL,               -- api key id, or "anonymous"
    action     TEXT   NOT NULL,               -- e.g. credentials.read
    session_id TEXT,
    user_id    TEXT,
    provider   TEXT,
    detail     TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
