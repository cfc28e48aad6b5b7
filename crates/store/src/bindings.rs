//! Registrations (registrar bindings) kept across restarts, so phones stay reachable when
//! pbxd restarts within their registration interval.
//!
//! The registrar stays the source of truth while running; the engine sends its changes here in
//! batches ([`Store::apply_binding_changes`], one transaction every ~100 ms) and reads them
//! back once at startup ([`Store::load_bindings`]).

use rusqlite::{params, Row};

use crate::{Store, StoreError};

/// One registered contact of an address of record, as persisted.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredBinding {
    /// The address of record: the extension number.
    pub aor: String,
    /// The Contact URI as registered.
    pub contact: String,
    /// Where the REGISTER came from (NAT-visible address), as `SocketAddr` text
    /// (`192.0.2.1:5060`, `[2001:db8::1]:5060`). Kept as text: the engine parses it back and
    /// skips a row it cannot use, so one bad row never blocks startup.
    pub source: String,
    /// Our listening address it arrived on, as `SocketAddr` text.
    pub local: String,
    /// `udp`, `tcp`, `tls`, `ws` or `wss`.
    pub transport: String,
    /// Connection id of a connection-oriented flow; meaningless after a restart except for
    /// matching, since connections do not survive.
    pub conn: Option<u64>,
    /// The User-Agent header, empty if none.
    pub user_agent: String,
    /// Call-ID of the REGISTER that created or refreshed the binding.
    pub call_id: String,
    /// Its CSeq number.
    pub cseq: u32,
    /// When the binding expires, unix seconds.
    pub expires_at_unix: i64,
    /// Contact `q` preference (0.0–1.0), if given.
    pub q: Option<f32>,
    /// `+sip.instance` (RFC 5626), if given.
    pub instance: Option<String>,
    /// `reg-id` (RFC 5626), if given.
    pub reg_id: Option<u32>,
}

/// One registrar change for [`Store::apply_binding_changes`].
// Most changes in a batch are upserts, so boxing the big variant would add an allocation
// per change without saving memory.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum BindingChange {
    /// Add or refresh a binding (keyed by `aor` + `contact`).
    Upsert(StoredBinding),
    /// Remove one binding (expired, or unregistered with `Expires: 0`).
    Delete {
        /// The address of record.
        aor: String,
        /// The contact URI.
        contact: String,
    },
    /// Remove every binding of an address of record (`Contact: *`).
    DeleteAll {
        /// The address of record.
        aor: String,
    },
}

impl Store {
    /// Adds or refreshes one binding.
    pub fn upsert_binding(&mut self, binding: &StoredBinding) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        upsert(&tx, binding)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes one binding; returns whether it existed.
    pub fn delete_binding(&mut self, aor: &str, contact: &str) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let n = tx.execute(
            "DELETE FROM bindings WHERE aor = ?1 AND contact = ?2",
            [aor, contact],
        )?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Removes every binding of `aor`; returns how many there were.
    pub fn delete_bindings_for(&mut self, aor: &str) -> Result<usize, StoreError> {
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM bindings WHERE aor = ?1", [aor])?;
        tx.commit()?;
        Ok(n)
    }

    /// Applies a batch of registrar changes, in order, in one transaction (one disk sync for
    /// the whole batch). If any change fails, none is applied.
    pub fn apply_binding_changes(&mut self, changes: &[BindingChange]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let tx = self.write_tx()?;
        for change in changes {
            match change {
                BindingChange::Upsert(b) => upsert(&tx, b)?,
                BindingChange::Delete { aor, contact } => {
                    tx.prepare_cached("DELETE FROM bindings WHERE aor = ?1 AND contact = ?2")?
                        .execute([aor, contact])?;
                }
                BindingChange::DeleteAll { aor } => {
                    tx.prepare_cached("DELETE FROM bindings WHERE aor = ?1")?
                        .execute([aor])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes bindings that expired at or before `now_unix` and returns the rest, ordered by
    /// AOR then contact. Called once at startup to refill the registrar.
    pub fn load_bindings(&mut self, now_unix: i64) -> Result<Vec<StoredBinding>, StoreError> {
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM bindings WHERE expires_at <= ?1", [now_unix])?;
        let mut out = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT aor, contact, source, local, transport, conn, user_agent, call_id, cseq,
                        expires_at, q, instance, reg_id
                 FROM bindings ORDER BY aor, contact",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                out.push(decode(row)?);
            }
        }
        tx.commit()?;
        Ok(out)
    }
}

fn upsert(tx: &rusqlite::Connection, b: &StoredBinding) -> Result<(), StoreError> {
    // Connection ids are opaque u64 tokens; SQLite integers are i64, so store the bit
    // pattern (the cast round-trips exactly in `decode`).
    let conn = b.conn.map(|c| c as i64);
    tx.prepare_cached(
        "INSERT INTO bindings (aor, contact, source, local, transport, conn, user_agent, call_id,
                               cseq, expires_at, q, instance, reg_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (aor, contact) DO UPDATE SET
             source = excluded.source, local = excluded.local, transport = excluded.transport,
             conn = excluded.conn, user_agent = excluded.user_agent, call_id = excluded.call_id,
             cseq = excluded.cseq, expires_at = excluded.expires_at, q = excluded.q,
             instance = excluded.instance, reg_id = excluded.reg_id",
    )?
    .execute(params![
        b.aor,
        b.contact,
        b.source,
        b.local,
        b.transport,
        conn,
        b.user_agent,
        b.call_id,
        b.cseq,
        b.expires_at_unix,
        b.q.map(f64::from),
        b.instance,
        b.reg_id,
    ])?;
    Ok(())
}

fn decode(row: &Row<'_>) -> Result<StoredBinding, StoreError> {
    let conn: Option<i64> = row.get(5)?;
    let q: Option<f64> = row.get(10)?;
    Ok(StoredBinding {
        aor: row.get(0)?,
        contact: row.get(1)?,
        source: row.get(2)?,
        local: row.get(3)?,
        transport: row.get(4)?,
        conn: conn.map(|c| c as u64),
        user_agent: row.get(6)?,
        call_id: row.get(7)?,
        cseq: row.get(8)?,
        expires_at_unix: row.get(9)?,
        // q is 0.0–1.0 with three decimals (RFC 3261 §20.10); f32 holds it exactly enough.
        q: q.map(|v| v as f32),
        instance: row.get(11)?,
        reg_id: row.get(12)?,
    })
}
