//! Accounts with the billing role across the users-table rebuild, portal features, system
//! settings, and the snapshot/import pair that backups and restores use.

use std::collections::BTreeMap;

use rotary_config::{validate_extension, ExtensionInput, Settings};
use rotary_store::{
    create_database_at_version, inspect_database, AuditEntry, CallForward, ExtensionFeatures,
    FollowMeStep, Role, Store, UserRecord, SCHEMA_VERSION,
};
use serde_json::json;

fn ext(number: &str) -> rotary_config::Extension {
    let input = ExtensionInput {
        number: Some(number.into()),
        secret: Some("s3cret-Pass".into()),
        ..ExtensionInput::default()
    };
    validate_extension(&input, None, &Settings::default()).unwrap()
}

fn entry() -> AuditEntry {
    AuditEntry {
        at_unix_ms: 1,
        actor: "admin".into(),
        role: "admin".into(),
        address: "127.0.0.1".into(),
        action: "restore".into(),
        resource: "backups".into(),
        resource_id: None,
        fields: "{}".into(),
    }
}

#[test]
fn users_of_an_older_schema_survive_the_rebuild_and_billing_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    create_database_at_version(dir.path(), 2).unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join("rotary.db")).unwrap();
        conn.execute(
            "INSERT INTO users (username, password_hash, role, extension)
             VALUES ('alice', 'h', 'user', '101')",
            [],
        )
        .unwrap();
    }
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION as i64);
    let alice = store.get_user("alice").unwrap().unwrap();
    assert_eq!(
        (alice.role, alice.extension.as_deref()),
        (Role::User, Some("101"))
    );
    store
        .upsert_user(&UserRecord {
            username: "bill".into(),
            password_hash: "h".into(),
            role: Role::Billing,
            extension: None,
        })
        .unwrap();
    assert_eq!(store.get_user("bill").unwrap().unwrap().role, Role::Billing);
}

#[test]
fn features_keep_the_pin_apart_and_go_with_the_extension() {
    let mut store = Store::open_in_memory().unwrap();
    store.insert_extension(&ext("101")).unwrap();
    assert_eq!(
        store.extension_features("101").unwrap(),
        ExtensionFeatures::default()
    );
    let features = ExtensionFeatures {
        call_forward: CallForward {
            always: None,
            busy: Some("102".into()),
            no_answer: None,
        },
        dnd: true,
        follow_me: vec![FollowMeStep {
            number: "0171".into(),
            ring_time: 20,
        }],
    };
    store
        .save_extension_features("101", &features, Some("4711"))
        .unwrap();
    store
        .save_extension_features("101", &features, None)
        .unwrap();
    assert_eq!(store.extension_features("101").unwrap(), features);
    assert_eq!(store.voicemail_pin("101").unwrap().as_deref(), Some("4711"));
    store
        .save_extension_features("101", &features, Some(""))
        .unwrap();
    assert_eq!(store.voicemail_pin("101").unwrap(), None);
    store.delete_extension("101").unwrap();
    assert_eq!(
        store.extension_features("101").unwrap(),
        ExtensionFeatures::default()
    );
}

#[test]
fn system_settings_store_only_what_changed() {
    let mut store = Store::open_in_memory().unwrap();
    let mut values = BTreeMap::new();
    values.insert("setup_done".to_owned(), json!(true));
    values.insert("time_zone".to_owned(), json!("Europe/Berlin"));
    store.save_system_settings(&values).unwrap();
    assert_eq!(store.load_system_settings().unwrap(), values);
    // Saving the same values again writes nothing (so an audited write records nothing).
    let e = entry();
    let ((), written) = store
        .audited(&e, |s| s.save_system_settings(&values))
        .unwrap();
    assert!(!written);
}

#[test]
fn snapshot_and_import_replace_configuration_but_keep_live_bindings_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Store::open(dir.path()).unwrap();
    live.insert_extension(&ext("101")).unwrap();
    let snap_dir = tempfile::tempdir().unwrap();
    live.snapshot_to(&snap_dir.path().join("rotary.db"), false)
        .unwrap();
    // Change the live configuration after the snapshot.
    live.delete_extension("101").unwrap();
    live.insert_extension(&ext("102")).unwrap();
    live.insert_audit(&entry()).unwrap();

    let info = inspect_database(snap_dir.path()).unwrap();
    assert_eq!(info.extensions, 1);
    assert_eq!(info.found_version, SCHEMA_VERSION as i64);
    let tables = live
        .import_database(&snap_dir.path().join("rotary.db"), false, &entry())
        .unwrap();
    assert!(tables.contains(&"extensions".to_owned()));
    assert!(!tables.contains(&"cdr".to_owned()));
    assert!(!tables.contains(&"audit_log".to_owned()));
    let config = live.load_config().unwrap();
    assert!(config.extension("101").is_some() && config.extension("102").is_none());
    // The earlier audit row stays, and the import wrote its own.
    let (_, total) = live
        .query_audit(&rotary_store::AuditQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(total, 2);
    // A second connection (the engine's writer) sees the imported configuration.
    let other = Store::open(dir.path()).unwrap();
    assert!(other.load_config().unwrap().extension("101").is_some());
}
