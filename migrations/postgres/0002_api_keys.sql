-- API keys. A token is `lore_{key_id}_{secret}`; only the SHA-256 of the secret is kept.
CREATE TABLE api_keys (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    key_id          TEXT NOT NULL UNIQUE,
    secret_sha256   TEXT NOT NULL,
    scope           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT
);
