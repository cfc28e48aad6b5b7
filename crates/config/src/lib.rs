//! Rotary's configuration model: typed, validated, immutable snapshots (architecture
//! principle 3).
//!
//! The engine holds an `Arc<Config>`; an API write validates the new value here, commits it in
//! `rotary-store`, and swaps in a new snapshot. Calls already running keep the snapshot they
//! started with.
//!
//! - [`Config`]: one snapshot: [`Settings`], every [`Extension`] by number, and the
//!   [`routing::RoutingConfig`] (trunks, routes, time conditions, IVRs, …).
//! - [`ExtensionInput`] / [`SettingsInput`]: what the API deserializes, loose on purpose.
//! - [`validate_extension`] / [`validate_settings`]: input (+ the existing value, for PATCH)
//!   to a checked value, or *every* [`ConfigIssue`] at once so the GUI can mark all bad fields.
//! - [`ExtensionView`]: what the API serializes (the secret is write-only).
//!
//! ```
//! use rotary_config::{validate_extension, Config, ExtensionInput};
//!
//! let config = Config::default();
//! let input: ExtensionInput = serde_json::from_str(
//!     r#"{"number":"101","name":"Alice","secret":"s3cret-Pass"}"#,
//! ).unwrap();
//! let ext = validate_extension(&input, None, &config.settings).unwrap();
//! assert_eq!(ext.max_contacts, 2);
//! let config = config.with_extension(ext);
//! assert!(config.extension("101").is_some());
//! ```
//!
//! This crate is a sans-IO leaf: no files, sockets, clocks or threads. Persisting is
//! `rotary-store`'s job, and cross-object rules that need other resources (trunks, routes)
//! belong with those resources.

mod extension;
pub mod routing;
mod settings;
mod validate;

use std::collections::BTreeMap;

pub use extension::{
    is_moh_class_name, Codec, DtmfMode, Extension, ExtensionNumber, ExtensionView, Secret,
};
pub use settings::{validate_settings, NumberRange, Settings, SettingsInput, TONE_ZONES};
pub use validate::{
    is_strong_secret, validate_extension, ConfigIssue, ExtensionInput, MAX_PERMIT_ENTRIES,
};

/// A value from outside could not be read as one of this crate's types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not a usable extension number.
    #[error("invalid extension number: {reason}")]
    InvalidNumber {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a usable `LOW-HIGH` number range.
    #[error("invalid number range: {reason}")]
    InvalidRange {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A codec name that is not one of PCMU, PCMA, G722, G729, GSM, opus.
    #[error("unknown codec")]
    UnknownCodec,
    /// A DTMF mode other than rfc4733, info, inband, auto.
    #[error("unknown DTMF mode")]
    UnknownDtmfMode,
}

/// One immutable configuration snapshot: global settings, every extension and the routing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Global PBX options.
    pub settings: Settings,
    /// Every user extension, keyed (and ordered) by number.
    pub extensions: BTreeMap<ExtensionNumber, Extension>,
    /// Trunks, routes, time conditions, IVRs, departments, lists (empty by default).
    pub routing: routing::RoutingConfig,
}

impl Config {
    /// Builds a snapshot from its parts; a later extension with the same number replaces an
    /// earlier one.
    pub fn new(settings: Settings, extensions: impl IntoIterator<Item = Extension>) -> Self {
        let extensions = extensions
            .into_iter()
            .map(|e| (e.number.clone(), e))
            .collect();
        Self {
            settings,
            extensions,
            routing: routing::RoutingConfig::default(),
        }
    }

    /// A copy of this snapshot with new routing (already checked with
    /// [`routing::validate_routing`]): the next snapshot after a routing write.
    #[must_use]
    pub fn with_routing(&self, routing: routing::RoutingConfig) -> Self {
        Self {
            settings: self.settings.clone(),
            extensions: self.extensions.clone(),
            routing,
        }
    }

    /// A copy of this snapshot with `ext` added or replaced: the next snapshot after a write.
    #[must_use]
    pub fn with_extension(&self, ext: Extension) -> Self {
        let mut next = self.clone();
        next.extensions.insert(ext.number.clone(), ext);
        next
    }

    /// A copy of this snapshot without extension `number` (unchanged if absent).
    #[must_use]
    pub fn without_extension(&self, number: &str) -> Self {
        let mut next = self.clone();
        next.extensions.remove(number);
        next
    }

    /// A copy of this snapshot with new settings.
    #[must_use]
    pub fn with_settings(&self, settings: Settings) -> Self {
        Self {
            settings,
            extensions: self.extensions.clone(),
            routing: self.routing.clone(),
        }
    }

    /// The extension with this number, e.g. the user part of a REGISTER's To URI.
    #[must_use]
    pub fn extension(&self, number: &str) -> Option<&Extension> {
        self.extensions.get(number)
    }

    /// Problems in a whole snapshot, such as one loaded from an older database: bad settings,
    /// or extensions left outside a user range that was narrowed later. A snapshot with issues
    /// still works; pbxd logs them as warnings.
    #[must_use]
    pub fn issues(&self) -> Vec<ConfigIssue> {
        let mut issues = self.settings.issues();
        let range = &self.settings.user_extension_range;
        for number in self.extensions.keys() {
            if !range.contains(number.as_str()) {
                issues.push(ConfigIssue::new(
                    "user_extension_range",
                    format!("extension {number} lies outside {range}"),
                ));
            }
        }
        issues
    }
}

#[cfg(test)]
mod tests;
