//! Persistence of the routing configuration (`rotary_config::routing::RoutingConfig`).
//!
//! Table `routing_objects` holds one row per list entry (`kind` = the list's JSON name, such
//! as `trunks` or `outbound_routes`, `position` = its place in the list, so order survives)
//! and one row at position 0 for each non-list field (`options`,
//! `default_dial_permission`). Each row's `data` is the entry as the config types serialize
//! it, so a new field with a serde default needs no migration.
//!
//! Trunk passwords are deliberately not serialized by the config types; they are kept in the
//! row's `secret` column and put back into the trunk when loading.
//!
//! A routing write replaces every row in one transaction: the configuration is small (a few
//! thousand rows at most) and the API always writes a whole, validated routing value.

use rotary_config::routing::{RoutingConfig, Trunk, TrunkMode};
use rusqlite::params;
use serde_json::Value;

use crate::{Store, StoreError};

impl Store {
    /// Replaces the stored routing configuration with `routing`, trunk passwords included,
    /// in one transaction.
    pub fn save_routing(&mut self, routing: &RoutingConfig) -> Result<(), StoreError> {
        let rows = encode_routing(routing)?;
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM routing_objects", [])?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO routing_objects (kind, position, data, secret)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for row in &rows {
                stmt.execute(params![row.kind, row.position, row.data, row.secret])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored routing configuration; an empty database gives the default (no trunks, no
    /// routes). Rows of kinds this version does not know are ignored (they may come from a
    /// newer release).
    pub fn load_routing(&self) -> Result<RoutingConfig, StoreError> {
        let known = known_fields()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, position, data, secret FROM routing_objects ORDER BY kind, position",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
        let mut doc = serde_json::Map::new();
        for row in rows {
            let (kind, position, data, secret): (String, i64, String, Option<String>) = row?;
            let Some(is_list) = known.get(&kind).copied() else {
                continue;
            };
            let key = format!("{kind}[{position}]");
            let mut value: Value = serde_json::from_str(&data)
                .map_err(|e| StoreError::corrupt("routing object", key.clone(), e))?;
            if let Some(secret) = secret {
                match value.get_mut("mode").and_then(Value::as_object_mut) {
                    Some(mode) => {
                        mode.insert("password".into(), Value::String(secret));
                    }
                    None => {
                        return Err(StoreError::corrupt(
                            "routing object",
                            key,
                            "a secret is stored for an object without a trunk mode",
                        ))
                    }
                }
            }
            if is_list {
                let list = doc.entry(kind).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = list {
                    items.push(value);
                }
            } else {
                doc.insert(kind, value);
            }
        }
        serde_json::from_value(Value::Object(doc))
            .map_err(|e| StoreError::corrupt("routing", "*", e))
    }
}

/// One row of `routing_objects`.
struct RoutingRow {
    kind: String,
    position: i64,
    data: String,
    secret: Option<String>,
}

/// The fields of a routing configuration and whether each is a list.
fn known_fields() -> Result<std::collections::HashMap<String, bool>, StoreError> {
    let Value::Object(fields) = to_value(&RoutingConfig::default())? else {
        return Err(not_an_object());
    };
    Ok(fields.into_iter().map(|(k, v)| (k, v.is_array())).collect())
}

/// Splits `routing` into rows: list entries one each, other fields one each.
fn encode_routing(routing: &RoutingConfig) -> Result<Vec<RoutingRow>, StoreError> {
    let Value::Object(fields) = to_value(routing)? else {
        return Err(not_an_object());
    };
    let mut rows = Vec::new();
    for (kind, value) in fields {
        match value {
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let secret = if kind == "trunks" {
                        routing.trunks.get(i).and_then(trunk_password)
                    } else {
                        None
                    };
                    rows.push(RoutingRow {
                        kind: kind.clone(),
                        position: i64::try_from(i).unwrap_or(i64::MAX),
                        data: item.to_string(),
                        secret,
                    });
                }
            }
            other => rows.push(RoutingRow {
                kind,
                position: 0,
                data: other.to_string(),
                secret: None,
            }),
        }
    }
    Ok(rows)
}

/// The password of a trunk that has one (register and account modes).
fn trunk_password(trunk: &Trunk) -> Option<String> {
    match &trunk.mode {
        TrunkMode::Register(reg) => Some(reg.password.expose().to_owned()),
        TrunkMode::Account(acc) => Some(acc.password.expose().to_owned()),
        TrunkMode::Peer(_) => None,
    }
}

fn to_value(routing: &RoutingConfig) -> Result<Value, StoreError> {
    serde_json::to_value(routing).map_err(|e| StoreError::corrupt("routing", "*", e))
}

fn not_an_object() -> StoreError {
    StoreError::corrupt("routing", "*", "routing did not serialize to an object")
}
