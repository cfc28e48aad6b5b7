//! Per-extension call features an extension's user manages in the portal: voicemail PIN,
//! call forwarding, do-not-disturb and the follow-me list (DUC "Extension user portal").
//!
//! One row per extension in `extension_features`: the PIN in its own column (a secret, never
//! part of the JSON document), everything else as JSON so new fields need no migration. The
//! engine does not act on these yet; they are stored for when it does.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// Where calls to an extension are forwarded. An empty value means "off".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallForward {
    /// Every call goes here at once.
    #[serde(default)]
    pub always: Option<String>,
    /// Calls while the extension is busy.
    #[serde(default)]
    pub busy: Option<String>,
    /// Calls nobody answers within the ring time.
    #[serde(default)]
    pub no_answer: Option<String>,
}

/// One step of a follow-me list: ring this number for this long.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowMeStep {
    /// Extension or external number.
    pub number: String,
    /// Seconds to ring it.
    pub ring_time: u32,
}

/// The features of one extension (the PIN separately: see [`Store::voicemail_pin`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionFeatures {
    /// Call forwarding targets.
    #[serde(default)]
    pub call_forward: CallForward,
    /// Do not disturb: calls go to voicemail (or are refused) without ringing.
    #[serde(default)]
    pub dnd: bool,
    /// Numbers tried in order when the extension does not answer.
    #[serde(default)]
    pub follow_me: Vec<FollowMeStep>,
}

impl Store {
    /// The features of extension `number` (defaults when never set).
    pub fn extension_features(&self, number: &str) -> Result<ExtensionFeatures, StoreError> {
        let data: Option<String> = self
            .conn
            .query_row(
                "SELECT data FROM extension_features WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?;
        match data {
            None => Ok(ExtensionFeatures::default()),
            Some(d) => serde_json::from_str(&d)
                .map_err(|e| StoreError::corrupt("extension features", number, e)),
        }
    }

    /// The voicemail PIN of extension `number`, if one was set.
    pub fn voicemail_pin(&self, number: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT voicemail_pin FROM extension_features WHERE number = ?1",
                [number],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Stores the features of extension `number`; `pin` `Some` replaces the voicemail PIN
    /// (`Some("")` clears it), `None` keeps it.
    pub fn save_extension_features(
        &mut self,
        number: &str,
        features: &ExtensionFeatures,
        pin: Option<&str>,
    ) -> Result<(), StoreError> {
        let data = serde_json::to_string(features)
            .map_err(|e| StoreError::corrupt("extension features", number, e))?;
        let tx = self.write_tx()?;
        let current: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT data, voicemail_pin FROM extension_features WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let new_pin = match pin {
            Some("") => None,
            Some(p) => Some(p.to_owned()),
            None => current.as_ref().and_then(|(_, p)| p.clone()),
        };
        // Writing an identical row would count as a change (and an audit row) for nothing.
        if current.as_ref() != Some(&(data.clone(), new_pin.clone())) {
            tx.execute(
                "INSERT INTO extension_features (number, data, voicemail_pin) VALUES (?1, ?2, ?3)
                 ON CONFLICT (number) DO UPDATE SET data = excluded.data,
                     voicemail_pin = excluded.voicemail_pin",
                params![number, data, new_pin],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
