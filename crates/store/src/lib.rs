//! Rotary's persistent store: one SQLite file, `DATA_DIR/rotary.db`, holding the
//! configuration, admin users, registrations and call records (architecture principle 5).
//!
//! - Opening sets `journal_mode=WAL`, `synchronous=FULL` (a committed config change or CDR
//!   survives `kill -9` and power loss), `foreign_keys=ON` and a busy timeout, then brings the
//!   schema up to date with versioned migrations (`PRAGMA user_version`).
//! - Every write method is one transaction: it happens completely or not at all.
//! - The API is synchronous. The engine keeps the [`Store`] on a blocking thread of its own and
//!   batches registrar changes ([`Store::apply_binding_changes`]) so a REGISTER never waits on
//!   a disk flush.
//!
//! ```
//! use rotary_config::{validate_extension, ExtensionInput, Settings};
//! use rotary_store::Store;
//!
//! let mut store = Store::open_in_memory().unwrap();
//! let input = ExtensionInput {
//!     number: Some("101".into()),
//!     secret: Some("s3cret-Pass".into()),
//!     ..ExtensionInput::default()
//! };
//! let ext = validate_extension(&input, None, &Settings::default()).unwrap();
//! store.insert_extension(&ext).unwrap();
//! assert!(store.load_config().unwrap().extension("101").is_some());
//! ```
//!
//! Times: bindings expire at unix seconds; CDR times are unix **milliseconds** (UTC), kept as
//! integers so range queries are exact, and rendered as RFC 3339 by [`format_unix_ms`] in
//! exports. The audit log ([`Store::audited`]), portal features of extensions, system
//! settings and database snapshots for backups live here too; the backup archive format is
//! the API's. Not here (yet): voicemail index.

mod audit;
mod bindings;
mod cdr;
mod config_rows;
mod error;
mod features;
mod routing_rows;
mod schema;
mod snapshot;
mod system;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

pub use audit::{AuditEntry, AuditQuery, AuditRecord, AUDIT_KEEP};
pub use bindings::{BindingChange, StoredBinding};
pub use cdr::{
    format_unix_ms, push_csv_field, CdrQuery, CdrRecord, Disposition, UnknownDisposition,
    CSV_HEADER,
};
pub use config_rows::{Role, UnknownRole, UserRecord};
pub use error::StoreError;
pub use features::{CallForward, ExtensionFeatures, FollowMeStep};
pub use snapshot::{create_database_at_version, inspect_database, DatabaseInfo};

/// The schema version this build writes (`PRAGMA user_version` after migrating); backups
/// record it in their manifest.
pub const SCHEMA_VERSION: usize = schema::LATEST_VERSION;

/// The file name of the database inside the data directory.
pub const DB_FILE_NAME: &str = "rotary.db";

/// An open database. Not `Sync`: keep it on one thread (or behind a mutex).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens `dir/rotary.db`, creating the directory and the database if missing, and
    /// migrates the schema to the latest version.
    ///
    /// An unwritable directory gives [`StoreError::Unwritable`] naming it; a database from a
    /// newer release gives [`StoreError::SchemaTooNew`].
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let unwritable =
            |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Unwritable {
                path: dir.to_owned(),
                source,
            };
        std::fs::create_dir_all(dir).map_err(|e| unwritable(e.into()))?;
        // SQLite's own message for an unwritable directory ("unable to open database file")
        // does not say why; a probe file gets the OS error ("Permission denied", "Read-only
        // file system").
        let probe = dir.join(format!(".rotary-write-probe-{}", std::process::id()));
        std::fs::File::create(&probe).map_err(|e| unwritable(e.into()))?;
        // Ignoring a failed removal is harmless: the probe is empty and reused next time.
        let _ = std::fs::remove_file(&probe);

        let path = dir.join(DB_FILE_NAME);
        let classify = |e: rusqlite::Error| {
            if error::is_unwritable(&e) {
                unwritable(e.into())
            } else {
                StoreError::Sqlite(e)
            }
        };
        let conn = Connection::open(&path).map_err(classify)?;
        // SQLite silently falls back to read-only for a write-protected file; fail now
        // rather than at the first config change.
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(classify)? {
            return Err(unwritable(
                format!("{} is read-only", path.display()).into(),
            ));
        }
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(unwritable(
                format!("cannot enable the WAL journal (got {mode:?})").into(),
            ));
        }
        let mut store = Store {
            conn,
            path: Some(path),
        };
        store.init().map_err(|e| match e {
            StoreError::Sqlite(e) => classify(e),
            StoreError::Migration(rusqlite_migration::Error::RusqliteError { err, .. })
                if error::is_unwritable(&err) =>
            {
                classify(err)
            }
            other => other,
        })?;
        Ok(store)
    }

    /// A private database in memory, for tests. Same schema and API as [`Store::open`].
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut store = Store {
            conn: Connection::open_in_memory()?,
            path: None,
        };
        store.init()?;
        Ok(store)
    }

    /// Where the database file lives; `None` for an in-memory store.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Runs `PRAGMA integrity_check`; for startup checks and after a crash.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if lines.len() == 1 && lines[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Integrity {
                report: lines.join("; "),
            })
        }
    }

    /// Pragmas and migrations shared by both constructors.
    fn init(&mut self) -> Result<(), StoreError> {
        // FULL: the WAL is synced on every commit, so config and CDR survive power loss.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        let found = self.schema_version()?;
        if usize::try_from(found).map_or(true, |v| v > schema::LATEST_VERSION) {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: schema::LATEST_VERSION,
            });
        }
        schema::migrations().to_latest(&mut self.conn)?;
        Ok(())
    }

    /// Starts a write transaction that takes the write lock at once, so two writers never
    /// deadlock upgrading read locks. Inside [`Store::audited`] (an outer transaction is
    /// open) it is a savepoint of that transaction instead, so the write and its audit row
    /// commit together.
    fn write_tx(&mut self) -> Result<WriteTx<'_>, StoreError> {
        if self.conn.is_autocommit() {
            Ok(WriteTx::Tx(self.conn.transaction_with_behavior(
                TransactionBehavior::Immediate,
            )?))
        } else {
            Ok(WriteTx::Savepoint(self.conn.savepoint()?))
        }
    }
}

/// One write: a transaction of its own, or a savepoint inside [`Store::audited`]. Dropped
/// without [`WriteTx::commit`], it rolls back.
enum WriteTx<'a> {
    /// A top-level `BEGIN IMMEDIATE` transaction.
    Tx(rusqlite::Transaction<'a>),
    /// A savepoint of an enclosing transaction.
    Savepoint(rusqlite::Savepoint<'a>),
}

impl WriteTx<'_> {
    /// Commit the transaction (or release the savepoint into the enclosing transaction).
    fn commit(self) -> Result<(), rusqlite::Error> {
        match self {
            WriteTx::Tx(tx) => tx.commit(),
            WriteTx::Savepoint(sp) => sp.commit(),
        }
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            WriteTx::Tx(tx) => tx,
            WriteTx::Savepoint(sp) => sp,
        }
    }
}

/// How long a statement waits for another connection's lock (a backup, the sqlite3 CLI).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests;
