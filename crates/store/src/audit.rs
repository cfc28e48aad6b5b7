//! The audit log: one row per change made through the admin API (and per login), saying who,
//! from where, what and when. Rows are written by [`Store::audited`] in the same transaction
//! as the change they describe, so a change is never committed without its row.
//!
//! The log is bounded: when it passes [`AUDIT_KEEP`] rows the oldest are dropped.

use rusqlite::{params, params_from_iter, types::Value as SqlValue};

use crate::{Store, StoreError};

/// How many audit rows are kept; older ones are deleted as new ones arrive.
pub const AUDIT_KEEP: i64 = 200_000;

/// One audit row to write. `fields` is a JSON object of the changed fields with secrets
/// already masked by the caller (the store writes what it is given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// When, unix milliseconds (UTC).
    pub at_unix_ms: i64,
    /// Account name of whoever made the change (`-` when unknown, e.g. a failed login).
    pub actor: String,
    /// That account's role name at the time.
    pub role: String,
    /// Client IP address.
    pub address: String,
    /// What was done: `create`, `update`, `replace`, `delete`, `login`, `restore`, …
    pub action: String,
    /// Kind of object, e.g. `extensions`, `trunks`, `settings`, `accounts`.
    pub resource: String,
    /// Its id (extension number, trunk id, user name), when it has one.
    pub resource_id: Option<String>,
    /// JSON object of the changed fields (secrets masked).
    pub fields: String,
}

/// A stored audit row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Row id, increasing.
    pub id: i64,
    /// What was written.
    pub entry: AuditEntry,
}

/// Filters of [`Store::query_audit`]; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Rows at or after this time (unix ms).
    pub from_unix_ms: Option<i64>,
    /// Rows before this time (unix ms).
    pub to_unix_ms: Option<i64>,
    /// Only this account's changes.
    pub actor: Option<String>,
    /// Only this kind of object.
    pub resource: Option<String>,
    /// Only this object id.
    pub resource_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only changes from this address.
    pub address: Option<String>,
    /// At most this many rows (newest first).
    pub limit: u32,
    /// Skip this many rows first.
    pub offset: u32,
}

impl Store {
    /// Runs `f` and writes `entry` in one transaction: both are committed or neither is.
    /// Every write method of the store used inside `f` becomes a savepoint of that
    /// transaction. When `f` changed no row, no audit row is written either (a write that
    /// changed nothing is not a change). Returns `f`'s value and whether the row was written.
    ///
    /// `f` must not call [`Store::import_database`] (SQLite cannot attach a database inside
    /// a transaction).
    pub fn audited<T, E>(
        &mut self,
        entry: &AuditEntry,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<(T, bool), E>
    where
        E: From<StoreError>,
    {
        if !self.conn.is_autocommit() {
            // Already inside an audited write: that one writes the row.
            return f(self).map(|v| (v, false));
        }
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| E::from(e.into()))?;
        let before = self.conn.total_changes();
        let result = f(self);
        let outcome = match result {
            Ok(value) => {
                let changed = self.conn.total_changes() != before;
                let written = if changed {
                    insert_audit(&self.conn, entry)
                } else {
                    Ok(())
                };
                written
                    .and_then(|()| self.conn.execute_batch("COMMIT"))
                    .map(|()| (value, changed))
                    .map_err(|e| E::from(e.into()))
            }
            Err(e) => Err(e),
        };
        if !self.conn.is_autocommit() {
            // Either `f` failed or the commit did: undo everything. A failed rollback leaves
            // nothing to do (SQLite already rolled back).
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        outcome
    }

    /// Writes one audit row on its own (events that change nothing else, e.g. a login).
    pub fn insert_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        insert_audit(&tx, entry)?;
        tx.commit()?;
        Ok(())
    }

    /// Audit rows matching `query`, newest first, and how many match in all (for paging).
    pub fn query_audit(&self, query: &AuditQuery) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        let mut clauses = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(t) = query.from_unix_ms {
            clauses.push("at_ms >= ?");
            args.push(SqlValue::Integer(t));
        }
        if let Some(t) = query.to_unix_ms {
            clauses.push("at_ms < ?");
            args.push(SqlValue::Integer(t));
        }
        for (column, value) in [
            ("actor = ?", &query.actor),
            ("resource = ?", &query.resource),
            ("resource_id = ?", &query.resource_id),
            ("action = ?", &query.action),
            ("address = ?", &query.address),
        ] {
            if let Some(v) = value {
                clauses.push(column);
                args.push(SqlValue::Text(v.clone()));
            }
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM audit_log{filter}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let sql = format!(
            "SELECT id, at_ms, actor, role, address, action, resource, resource_id, fields
             FROM audit_log{filter} ORDER BY id DESC LIMIT {} OFFSET {}",
            query.limit, query.offset
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            Ok(AuditRecord {
                id: r.get(0)?,
                entry: AuditEntry {
                    at_unix_ms: r.get(1)?,
                    actor: r.get(2)?,
                    role: r.get(3)?,
                    address: r.get(4)?,
                    action: r.get(5)?,
                    resource: r.get(6)?,
                    resource_id: r.get(7)?,
                    fields: r.get(8)?,
                },
            })
        })?;
        let list = rows.collect::<Result<Vec<_>, _>>()?;
        Ok((list, u64::try_from(total).unwrap_or(0)))
    }
}

/// The insert shared by both write paths; trims the log past [`AUDIT_KEEP`] rows.
fn insert_audit(conn: &rusqlite::Connection, e: &AuditEntry) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO audit_log
             (at_ms, actor, role, address, action, resource, resource_id, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.at_unix_ms,
            e.actor,
            e.role,
            e.address,
            e.action,
            e.resource,
            e.resource_id,
            e.fields
        ],
    )?;
    let id = conn.last_insert_rowid();
    if id % 1000 == 0 {
        conn.execute("DELETE FROM audit_log WHERE id <= ?1", [id - AUDIT_KEEP])?;
    }
    Ok(())
}
