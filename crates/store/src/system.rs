//! System settings of the appliance itself (not of the phone system): first-start wizard
//! state, login session timeouts, automatic backups, HTTPS. Kept apart from the PBX
//! `settings` table so the two never collide; one row per key, the value as JSON. The API
//! owns their types and defaults; the store keeps whatever JSON it is given.

use std::collections::BTreeMap;

use rusqlite::params;
use serde_json::Value;

use crate::{Store, StoreError};

impl Store {
    /// Every stored system setting by key.
    pub fn load_system_settings(&self) -> Result<BTreeMap<String, Value>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM system_settings")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (key, text): (String, String) = row?;
            let value = serde_json::from_str(&text)
                .map_err(|e| StoreError::corrupt("system setting", key.clone(), e))?;
            out.insert(key, value);
        }
        Ok(out)
    }

    /// Stores the given keys (others are left as they are), in one transaction. Unchanged
    /// values are not rewritten.
    pub fn save_system_settings(
        &mut self,
        values: &BTreeMap<String, Value>,
    ) -> Result<(), StoreError> {
        let current = self.load_system_settings()?;
        let tx = self.write_tx()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO system_settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            for (key, value) in values {
                if current.get(key) != Some(value) {
                    stmt.execute(params![key, value.to_string()])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}
