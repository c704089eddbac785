CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'zh-CN',
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('secretariat', 'enterprise', 'assessor', 'reviewer')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE auth_events (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    address TEXT NOT NULL
);
CREATE INDEX auth_events_email ON auth_events(email, occurred_at);
CREATE INDEX auth_events_address ON auth_events(address, occurred_at);

CREATE TABLE catalog_models (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE model_versions (
    id TEXT PRIMARY KEY NOT NULL,
    model_id TEXT NOT NULL REFERENCES catalog_models(id),
    version INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    source_name TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    usage TEXT NOT NULL,
    document TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    UNIQUE (model_id, version)
);

CREATE TABLE rounds (
    id TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    model_version_id TEXT NOT NULL REFERENCES model_versions(id),
    registration_opens DATE NOT NULL,
    registration_closes DATE NOT NULL,
    assessment_starts DATE NOT NULL,
    assessment_ends DATE NOT NULL,
    results_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE round_parts (
    round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    part_code TEXT NOT NULL,
    capacity INTEGER,
    PRIMARY KEY (round_id, part_code)
);
