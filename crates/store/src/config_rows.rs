//! Persistence of the configuration (settings, extensions) and of admin users.
//!
//! An extension row keeps its number as the key and everything else, secret included, as a
//! JSON document, so adding a field needs no schema migration (give it a serde default).
//! Settings are stored one row per field, the value as JSON.

use std::fmt;
use std::str::FromStr;

use ipnet::IpNet;
use rotary_config::{Codec, Config, DtmfMode, Extension, ExtensionNumber, Secret, Settings};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::is_duplicate;
use crate::{Store, StoreError};

/// What an admin account may do in the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including users and system settings.
    Admin,
    /// Day-to-day changes (extensions, CDR, registrations), no users or system settings.
    Operator,
    /// Call records and recordings only (the DUC "Billing" role).
    Billing,
    /// An extension's own user: its voicemail, CDR and settings only.
    User,
}

impl Role {
    /// The stored and wire name: `admin`, `operator`, `billing` or `user`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Billing => "billing",
            Role::User => "user",
        }
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            "billing" => Ok(Role::Billing),
            "user" => Ok(Role::User),
            _ => Err(UnknownRole),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name other than `admin`, `operator`, `billing`, `user`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role (expected admin, operator, billing or user)")]
pub struct UnknownRole;

/// One login account of the admin API. The store keeps the password hash as given; hashing
/// (argon2) is the API's business.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Login name, the key.
    pub username: String,
    /// PHC-format password hash.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// The extension a [`Role::User`] account belongs to.
    pub extension: Option<String>,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("username", &self.username)
            .field("password_hash", &"***")
            .field("role", &self.role)
            .field("extension", &self.extension)
            .finish()
    }
}

impl Store {
    /// Builds a configuration snapshot from the database: stored settings over the defaults,
    /// plus every extension and the routing configuration.
    pub fn load_config(&self) -> Result<Config, StoreError> {
        let settings = self.load_settings()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT number, data FROM extensions ORDER BY number")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        let mut extensions = Vec::new();
        for row in rows {
            let (number, data): (String, String) = row?;
            extensions.push(decode_extension(number, &data)?);
        }
        Ok(Config::new(settings, extensions).with_routing(self.load_routing()?))
    }

    /// Adds a new extension; [`StoreError::Duplicate`] if the number exists.
    pub fn insert_extension(&mut self, ext: &Extension) -> Result<(), StoreError> {
        let data = encode_extension(ext)?;
        let tx = self.write_tx()?;
        let inserted = tx.execute(
            "INSERT INTO extensions (number, data) VALUES (?1, ?2)",
            params![ext.number.as_str(), data],
        );
        match inserted {
            Ok(_) => {}
            Err(e) if is_duplicate(&e) => {
                return Err(StoreError::Duplicate {
                    what: "extension",
                    key: ext.number.to_string(),
                })
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces an existing extension; [`StoreError::NotFound`] if the number is unknown.
    pub fn update_extension(&mut self, ext: &Extension) -> Result<(), StoreError> {
        let data = encode_extension(ext)?;
        let tx = self.write_tx()?;
        let changed = tx.execute(
            "UPDATE extensions SET data = ?2, updated_at = CAST(strftime('%s', 'now') AS INTEGER)
             WHERE number = ?1",
            params![ext.number.as_str(), data],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "extension",
                key: ext.number.to_string(),
            });
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes an extension together with its registrations, and detaches user accounts
    /// linked to it. Returns whether it existed.
    pub fn delete_extension(&mut self, number: &str) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let deleted = tx.execute("DELETE FROM extensions WHERE number = ?1", [number])?;
        tx.execute("DELETE FROM bindings WHERE aor = ?1", [number])?;
        tx.execute("DELETE FROM extension_features WHERE number = ?1", [number])?;
        tx.execute(
            "UPDATE users SET extension = NULL WHERE extension = ?1",
            [number],
        )?;
        tx.commit()?;
        Ok(deleted > 0)
    }

    /// One extension by number.
    pub fn get_extension(&self, number: &str) -> Result<Option<Extension>, StoreError> {
        let data: Option<String> = self
            .conn
            .query_row(
                "SELECT data FROM extensions WHERE number = ?1",
                [number],
                |row| row.get(0),
            )
            .optional()?;
        data.map(|d| decode_extension(number.to_owned(), &d))
            .transpose()
    }

    /// Stores every settings field (one row each) in one transaction.
    pub fn save_settings(&mut self, settings: &Settings) -> Result<(), StoreError> {
        let value =
            serde_json::to_value(settings).map_err(|e| StoreError::corrupt("settings", "*", e))?;
        let serde_json::Value::Object(fields) = value else {
            return Err(StoreError::corrupt(
                "settings",
                "*",
                "settings did not serialize to an object",
            ));
        };
        let tx = self.write_tx()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            for (key, value) in &fields {
                stmt.execute(params![key, value.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored settings; fields never stored take their defaults. Rows for settings this
    /// version does not know are ignored (they may come from a newer release).
    pub fn load_settings(&self) -> Result<Settings, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM settings")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        let mut fields = serde_json::Map::new();
        for row in rows {
            let (key, text): (String, String) = row?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| StoreError::corrupt("setting", key.clone(), e))?;
            fields.insert(key, value);
        }
        serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|e| StoreError::corrupt("settings", "*", e))
    }

    /// One user account by name.
    pub fn get_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT username, password_hash, role, extension FROM users WHERE username = ?1",
                [username],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        row.map(decode_user).transpose()
    }

    /// Every user account, by name.
    pub fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT username, password_hash, role, extension FROM users ORDER BY username",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
        let mut users = Vec::new();
        for row in rows {
            users.push(decode_user(row?)?);
        }
        Ok(users)
    }

    /// Creates the account or replaces all its fields.
    pub fn upsert_user(&mut self, user: &UserRecord) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO users (username, password_hash, role, extension) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,
                 role = excluded.role, extension = excluded.extension",
            params![
                user.username,
                user.password_hash,
                user.role.as_str(),
                user.extension
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes an account; returns whether it existed.
    pub fn delete_user(&mut self, username: &str) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM users WHERE username = ?1", [username])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// How many accounts exist; 0 on first start, when pbxd creates `admin`.
    pub fn user_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The JSON document of an extension row (everything but the number, which is the key).
/// Private so that the secret is serialized only here, never by accident elsewhere.
#[derive(Serialize, Deserialize)]
struct ExtensionRow {
    name: String,
    secret: String,
    max_contacts: u8,
    permit: Vec<IpNet>,
    voicemail: bool,
    codecs: Vec<Codec>,
    dtmf_mode: DtmfMode,
    nat: bool,
    register_expiry: u32,
    qualify_interval: u32,
    remote: bool,
    #[serde(default)]
    record_calls: bool,
    #[serde(default = "default_moh_class")]
    moh_class: String,
}

fn default_moh_class() -> String {
    Extension::DEFAULT_MOH_CLASS.to_owned()
}

fn encode_extension(ext: &Extension) -> Result<String, StoreError> {
    let row = ExtensionRow {
        name: ext.name.clone(),
        secret: ext.secret.expose().to_owned(),
        max_contacts: ext.max_contacts,
        permit: ext.permit.clone(),
        voicemail: ext.voicemail,
        codecs: ext.codecs.clone(),
        dtmf_mode: ext.dtmf_mode,
        nat: ext.nat,
        register_expiry: ext.register_expiry,
        qualify_interval: ext.qualify_interval,
        remote: ext.remote,
        record_calls: ext.record_calls,
        moh_class: ext.moh_class.clone(),
    };
    serde_json::to_string(&row)
        .map_err(|e| StoreError::corrupt("extension", ext.number.as_str(), e))
}

fn decode_extension(number: String, data: &str) -> Result<Extension, StoreError> {
    let row: ExtensionRow =
        serde_json::from_str(data).map_err(|e| StoreError::corrupt("extension", &*number, e))?;
    let number = ExtensionNumber::new(number.clone())
        .map_err(|e| StoreError::corrupt("extension", number, e))?;
    Ok(Extension {
        number,
        name: row.name,
        secret: Secret::new(row.secret),
        max_contacts: row.max_contacts,
        permit: row.permit,
        voicemail: row.voicemail,
        codecs: row.codecs,
        dtmf_mode: row.dtmf_mode,
        nat: row.nat,
        register_expiry: row.register_expiry,
        qualify_interval: row.qualify_interval,
        remote: row.remote,
        record_calls: row.record_calls,
        moh_class: row.moh_class,
    })
}

fn decode_user(
    (username, password_hash, role, extension): (String, String, String, Option<String>),
) -> Result<UserRecord, StoreError> {
    let role = role
        .parse()
        .map_err(|e| StoreError::corrupt("user", username.clone(), e))?;
    Ok(UserRecord {
        username,
        password_hash,
        role,
        extension,
    })
}
