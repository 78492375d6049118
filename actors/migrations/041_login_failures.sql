-- Failed log-in attempts, shared by every Backend API replica (the limits hold however
-- many replicas run). Keys are SHA-256 digests of "email:<address>" or "ip:<address>",
-- so the table holds no addresses. Housekeeping deletes rows older than a day (the
-- longest window the settings allow).
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash  bytea NOT NULL CHECK (length(key_hash) = 32),
    failed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX login_failures_key_idx ON login_failures (key_hash, failed_at DESC);
