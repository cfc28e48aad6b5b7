//! The one error type of the store.

use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An insert hit an existing key (the API answers 409).
    #[error("{what} {key} already exists")]
    Duplicate {
        /// Kind of object, e.g. `"extension"`.
        what: &'static str,
        /// Its key, e.g. the extension number.
        key: String,
    },
    /// An update named a key that does not exist (the API answers 404).
    #[error("{what} {key} not found")]
    NotFound {
        /// Kind of object, e.g. `"extension"`.
        what: &'static str,
        /// The key that was asked for.
        key: String,
    },
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row could not be turned back into its type (edited by hand, or written by an
    /// incompatible version).
    #[error("stored {what} {key} is unreadable: {source}")]
    Corrupt {
        /// Kind of row, e.g. `"extension"`.
        what: &'static str,
        /// Its key.
        key: String,
        /// What failed while decoding it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A schema migration failed; the database is left at the last good version.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The database was written by a newer pbxd whose schema this one does not know.
    #[error(
        "database schema version {found} is newer than this pbxd supports ({supported}); \
         run a newer release or restore a backup"
    )]
    SchemaTooNew {
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: usize,
    },
    /// The data directory or database file cannot be created or written. pbxd prints this
    /// and exits with status 2.
    #[error("data directory {} is not writable: {source}", path.display())]
    Unwritable {
        /// The data directory.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `PRAGMA integrity_check` found damage.
    #[error("database integrity check failed: {report}")]
    Integrity {
        /// SQLite's report (first problems found).
        report: String,
    },
    /// Writing an export (CSV) to its destination failed.
    #[error("writing export failed: {0}")]
    Write(#[source] std::io::Error),
}

impl StoreError {
    /// Builds a [`StoreError::Corrupt`] from any decoding error.
    pub(crate) fn corrupt(
        what: &'static str,
        key: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Corrupt {
            what,
            key: key.into(),
            source: source.into(),
        }
    }
}

/// Whether `e` is a PRIMARY KEY / UNIQUE violation (an insert of an existing key).
pub(crate) fn is_duplicate(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// Whether `e` means "cannot create or write the file" rather than a bug or damage.
pub(crate) fn is_unwritable(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(
        e.sqlite_error_code(),
        Some(C::CannotOpen | C::ReadOnly | C::PermissionDenied | C::DiskFull | C::SystemIoFailure)
    )
}
