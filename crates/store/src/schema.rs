//! The database schema as an append-only list of migrations, tracked in
//! `PRAGMA user_version` by `rusqlite_migration`.
//!
//! Never edit a migration that has shipped; add a new one at the end.

use rusqlite_migration::{Migrations, M};

/// Every migration, oldest first. Version N of the schema = the first N entries applied.
const MIGRATION_LIST: &[M<'static>] = &[
    // v1: configuration, users, registrations, call records.
    M::up(
        r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE extensions (
    number     TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
    updated_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'user')),
    extension     TEXT
);

CREATE TABLE bindings (
    aor        TEXT NOT NULL,
    contact    TEXT NOT NULL,
    source     TEXT NOT NULL,
    local      TEXT NOT NULL,
    transport  TEXT NOT NULL,
    conn       INTEGER,
    user_agent TEXT NOT NULL,
    call_id    TEXT NOT NULL,
    cseq       INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    q          REAL,
    instance   TEXT,
    reg_id     INTEGER,
    PRIMARY KEY (aor, contact)
);
CREATE INDEX bindings_expires_at ON bindings (expires_at);

CREATE TABLE cdr (
    id           INTEGER PRIMARY KEY,
    start        INTEGER NOT NULL,
    answer       INTEGER,
    "end"        INTEGER NOT NULL,
    caller       TEXT NOT NULL,
    callee       TEXT NOT NULL,
    duration     INTEGER NOT NULL,
    billsec      INTEGER NOT NULL,
    disposition  TEXT NOT NULL,
    cause        TEXT,
    trunk        TEXT,
    call_id      TEXT NOT NULL,
    peer_call_id TEXT,
    recording    TEXT
);
CREATE INDEX cdr_start ON cdr (start);
CREATE INDEX cdr_caller ON cdr (caller);
CREATE INDEX cdr_callee ON cdr (callee);
CREATE INDEX cdr_disposition ON cdr (disposition);
"#,
    ),
    // v2: routing objects (trunks, routes, time conditions, …), one row per list entry in
    // list order; `secret` holds a trunk's password, which the JSON leaves out.
    M::up(
        r#"
CREATE TABLE routing_objects (
    kind     TEXT NOT NULL,
    position INTEGER NOT NULL,
    data     TEXT NOT NULL,
    secret   TEXT,
    PRIMARY KEY (kind, position)
);
"#,
    ),
    // Accounts and roles (billing), the audit log, per-extension portal features, system
    // settings. SQLite cannot change a CHECK constraint, so `users` is rebuilt.
    M::up(
        r#"
CREATE TABLE users_new (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'billing', 'user')),
    extension     TEXT
);
INSERT INTO users_new (username, password_hash, role, extension)
    SELECT username, password_hash, role, extension FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    address     TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    resource_id TEXT,
    fields      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_resource ON audit_log (resource, resource_id);

CREATE TABLE extension_features (
    number        TEXT PRIMARY KEY,
    data          TEXT NOT NULL,
    voicemail_pin TEXT
);

CREATE TABLE system_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    ),
    // Routing on every call record: the call type, the DID dialled from outside, the route
    // that decided and the PIN keyed for a PIN-protected dial rule (issue 6).
    M::up(
        r#"
ALTER TABLE cdr ADD COLUMN call_type TEXT NOT NULL DEFAULT 'internal';
ALTER TABLE cdr ADD COLUMN did TEXT;
ALTER TABLE cdr ADD COLUMN route TEXT;
ALTER TABLE cdr ADD COLUMN pin TEXT;
"#,
    ),
];

/// The migrations in the form `rusqlite_migration` runs them.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATION_LIST)
}

/// The schema version this build writes.
pub(crate) const LATEST_VERSION: usize = MIGRATION_LIST.len();
