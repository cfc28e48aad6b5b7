//! Consistent copies of the database for backups, and the restore that brings one back.
//!
//! - [`Store::snapshot_to`] copies the live database with SQLite's online backup API in one
//!   step (one read transaction: a consistent point in time even while pbxd keeps writing),
//!   then drops what a backup must not carry (registrations; call records unless wanted).
//! - [`inspect_database`] opens a restored copy on its own, migrates it to this build's
//!   schema (a backup from an older release is upgraded here) and checks it.
//! - [`Store::import_database`] replaces the live configuration with the copy's in one
//!   transaction (ATTACH + copy per table), so other connections (the engine's writer) see
//!   either the old or the new configuration, never a mix, and no file is swapped under
//!   them. Registrations and the audit log stay; call records are replaced only on request.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::audit::AuditEntry;
use crate::{Store, StoreError, DB_FILE_NAME};

/// Tables a restore never replaces: live registrations, the audit trail of this box.
const KEEP_ON_RESTORE: &[&str] = &["bindings", "audit_log"];

/// What [`inspect_database`] found in a restored copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseInfo {
    /// The schema version the copy was written with.
    pub found_version: i64,
    /// The version it has now (this build's).
    pub version: i64,
    /// How many extensions it holds.
    pub extensions: u64,
    /// How many call records it holds.
    pub cdr_rows: u64,
}

impl Store {
    /// Writes a consistent copy of the database to `dest` (a new file), without bindings
    /// and, unless `keep_cdr`, without call records. Works on in-memory stores too.
    pub fn snapshot_to(&self, dest: &Path, keep_cdr: bool) -> Result<(), StoreError> {
        let mut out = Connection::open(dest)?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
            // -1: every page in one step, i.e. one read transaction on the source.
            backup.step(-1)?;
        }
        out.pragma_update(None, "journal_mode", "DELETE")?;
        out.execute("DELETE FROM bindings", [])?;
        if !keep_cdr {
            out.execute("DELETE FROM cdr", [])?;
        }
        out.execute_batch("VACUUM")?;
        Ok(())
    }

    /// Replaces the live contents with those of the (already inspected and migrated)
    /// database file `src`, and writes `audit` in the same transaction. Every table is
    /// copied except registrations and the audit log, and `cdr` only when `include_cdr`.
    pub fn import_database(
        &mut self,
        src: &Path,
        include_cdr: bool,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        let src = src
            .to_str()
            .ok_or_else(|| StoreError::corrupt("restore", "path", "path is not UTF-8"))?
            .to_owned();
        self.conn
            .execute("ATTACH DATABASE ?1 AS restored", [&src])?;
        let result = self.copy_attached(include_cdr, audit);
        let detached = self.conn.execute_batch("DETACH DATABASE restored");
        let tables = result?;
        detached?;
        Ok(tables)
    }

    /// The transaction of [`Store::import_database`]; returns the tables replaced.
    fn copy_attached(
        &mut self,
        include_cdr: bool,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT name FROM restored.sqlite_master
                 WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        names.retain(|n| !KEEP_ON_RESTORE.contains(&n.as_str()) && (include_cdr || n != "cdr"));
        self.audited(audit, |store| -> Result<Vec<String>, StoreError> {
            let tx = store.write_tx()?;
            let mut copied = Vec::new();
            for name in &names {
                let live = columns(&tx, "main", name)?;
                if live.is_empty() {
                    continue; // a table this build does not have
                }
                let theirs = columns(&tx, "restored", name)?;
                let common: Vec<String> = live
                    .into_iter()
                    .filter(|c| theirs.contains(c))
                    .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                    .collect();
                let quoted = format!("\"{}\"", name.replace('"', "\"\""));
                tx.execute(&format!("DELETE FROM main.{quoted}"), [])?;
                let cols = common.join(", ");
                tx.execute(
                    &format!(
                        "INSERT INTO main.{quoted} ({cols}) SELECT {cols} FROM restored.{quoted}"
                    ),
                    [],
                )?;
                copied.push(name.clone());
            }
            tx.commit()?;
            Ok(copied)
        })
        .map(|(copied, _)| copied)
    }
}

/// Opens the database file `dir/rotary.db` of a restored backup on its own, migrates it to
/// this build's schema and checks it (integrity, configuration readable). A copy from a newer
/// release fails with [`StoreError::SchemaTooNew`].
pub fn inspect_database(dir: &Path) -> Result<DatabaseInfo, StoreError> {
    let path = dir.join(DB_FILE_NAME);
    if !path.is_file() {
        return Err(StoreError::corrupt(
            "backup",
            DB_FILE_NAME,
            "the database file is missing",
        ));
    }
    let found_version: i64 = {
        let conn = Connection::open(&path)?;
        let v = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        // A file that is not a database fails here rather than inside the migration.
        conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        v
    };
    let store = Store::open(dir)?;
    store.check_integrity()?;
    let config = store.load_config()?;
    let cdr_rows: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM cdr", [], |r| r.get(0))?;
    let info = DatabaseInfo {
        found_version,
        version: store.schema_version()?,
        extensions: config.extensions.len() as u64,
        cdr_rows: u64::try_from(cdr_rows).unwrap_or(0),
    };
    // Fold the WAL back into the file so it stands alone.
    store.conn.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(info)
}

/// Creates `dir/rotary.db` with only the first `version` migrations applied: a database as
/// an older release wrote it, for tests of restoring old backups.
#[doc(hidden)]
pub fn create_database_at_version(dir: &Path, version: usize) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::Unwritable {
        path: dir.to_owned(),
        source: e.into(),
    })?;
    let mut conn = Connection::open(dir.join(DB_FILE_NAME))?;
    crate::schema::migrations().to_version(&mut conn, version)?;
    Ok(())
}

/// Column names of `schema.table` (empty when the table does not exist).
fn columns(conn: &Connection, schema: &str, table: &str) -> Result<Vec<String>, StoreError> {
    let exists: Option<String> = conn
        .query_row(
            &format!("SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?1"),
            [table],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM pragma_table_info(?1, '{schema}')"
    ))?;
    let rows = stmt.query_map([table], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
