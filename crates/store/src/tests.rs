//! Store tests: schema, persistence across reopen, and every query.

use rotary_config::{validate_extension, ExtensionInput, Settings};

use super::*;

fn ext(number: &str) -> rotary_config::Extension {
    let input = ExtensionInput {
        number: Some(number.into()),
        name: Some(format!("User {number}")),
        secret: Some("s3cret-Pass".into()),
        ..ExtensionInput::default()
    };
    validate_extension(&input, None, &Settings::default()).expect("valid extension")
}

fn binding(aor: &str, contact: &str, expires_at_unix: i64) -> StoredBinding {
    StoredBinding {
        aor: aor.into(),
        contact: contact.into(),
        source: "192.0.2.10:5071".into(),
        local: "0.0.0.0:5060".into(),
        transport: "udp".into(),
        conn: None,
        user_agent: "baresip".into(),
        call_id: format!("cid-{contact}"),
        cseq: 1,
        expires_at_unix,
        q: None,
        instance: None,
        reg_id: None,
    }
}

fn cdr(start_s: i64, caller: &str, callee: &str, disposition: Disposition) -> CdrRecord {
    let answered = disposition == Disposition::Answered;
    CdrRecord {
        id: None,
        start_unix_ms: start_s * 1000,
        answer_unix_ms: answered.then_some(start_s * 1000 + 3000),
        end_unix_ms: start_s * 1000 + 63_000,
        caller: caller.into(),
        callee: callee.into(),
        duration: 63,
        billsec: if answered { 60 } else { 0 },
        disposition,
        cause: (!answered).then(|| "callee.busy".to_owned()),
        trunk: None,
        call_id: format!("call-{start_s}"),
        peer_call_id: None,
        recording: None,
        call_type: "internal".into(),
        did: None,
        route: None,
        pin: None,
    }
}

fn user(name: &str, role: Role) -> UserRecord {
    UserRecord {
        username: name.into(),
        password_hash: "$argon2id$v=19$fake".into(),
        role,
        extension: None,
    }
}

#[test]
fn migrations_from_empty() {
    let store = Store::open_in_memory().expect("opens");
    assert_eq!(
        store.schema_version().expect("version"),
        schema::LATEST_VERSION as i64
    );
    let tables: Vec<String> = store
        .conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        tables,
        [
            "audit_log",
            "bindings",
            "cdr",
            "extension_features",
            "extensions",
            "routing_objects",
            "settings",
            "system_settings",
            "users"
        ]
    );
    let config = store.load_config().expect("loads");
    assert_eq!(config, rotary_config::Config::default());
    assert_eq!(store.user_count().expect("count"), 0);
    store.check_integrity().expect("fresh database is intact");
    assert!(schema::migrations().validate().is_ok());
}

#[test]
fn open_creates_dir_and_sets_pragmas() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("nested/data");
    let store = Store::open(&dir).expect("opens");
    assert_eq!(store.path(), Some(dir.join("rotary.db").as_path()));
    assert!(dir.join("rotary.db").is_file());
    let pragma = |name: &str| -> String {
        store
            .conn
            .pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .expect("pragma")
    };
    assert_eq!(pragma("journal_mode"), "wal");
    assert_eq!(pragma("synchronous"), "2", "FULL");
    assert_eq!(pragma("foreign_keys"), "1");
    assert_eq!(pragma("busy_timeout"), "5000");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("probe"))
        .collect();
    assert!(leftovers.is_empty(), "write probe removed");
}

#[test]
fn reopen_keeps_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let settings = Settings {
        realm: "pbx.example".into(),
        global_ring_time: 45,
        ..Settings::default()
    };
    {
        let mut store = Store::open(tmp.path()).expect("opens");
        store.insert_extension(&ext("101")).expect("insert");
        store.insert_extension(&ext("102")).expect("insert");
        store.save_settings(&settings).expect("save");
        store
            .upsert_user(&user("admin", Role::Admin))
            .expect("user");
        store
            .upsert_binding(&binding("101", "sip:101@192.0.2.10:5071", 2_000))
            .expect("binding");
        store
            .insert_cdr(&cdr(100, "101", "102", Disposition::Answered))
            .expect("cdr");
    }
    let mut store = Store::open(tmp.path()).expect("reopens");
    assert_eq!(
        store.schema_version().expect("version"),
        schema::LATEST_VERSION as i64
    );
    let config = store.load_config().expect("loads");
    assert_eq!(config.settings, settings);
    assert_eq!(config.extension("101"), Some(&ext("101")));
    assert_eq!(config.extension("102"), Some(&ext("102")));
    assert_eq!(
        config
            .extension("101")
            .map(|e| e.secret.expose().to_owned()),
        Some("s3cret-Pass".to_owned())
    );
    assert_eq!(store.user_count().expect("count"), 1);
    assert_eq!(store.load_bindings(1_000).expect("bindings").len(), 1);
    assert_eq!(store.query_cdr(&CdrQuery::default()).expect("cdr").len(), 1);
    store.check_integrity().expect("intact");
}

#[test]
fn newer_schema_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(tmp.path()).expect("opens");
        store
            .conn
            .pragma_update(None, "user_version", 99)
            .expect("set version");
    }
    let err = Store::open(tmp.path()).expect_err("refused");
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: schema::LATEST_VERSION
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn unwritable_dir_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let dir = file.join("data");
    let err = Store::open(&dir).expect_err("cannot create a dir under a file");
    assert!(matches!(err, StoreError::Unwritable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("not writable"), "{msg}");
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
}

#[test]
fn duplicate_insert_is_rejected() {
    let mut store = Store::open_in_memory().expect("opens");
    store.insert_extension(&ext("101")).expect("first insert");
    let err = store
        .insert_extension(&ext("101"))
        .expect_err("second insert");
    assert!(
        matches!(&err, StoreError::Duplicate { what: "extension", key } if key == "101"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "extension 101 already exists");
    assert_eq!(store.load_config().expect("loads").extensions.len(), 1);
}

#[test]
fn update_and_get_extension() {
    let mut store = Store::open_in_memory().expect("opens");
    let err = store.update_extension(&ext("101")).expect_err("missing");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "extension",
                ..
            }
        ),
        "{err:?}"
    );
    store.insert_extension(&ext("101")).expect("insert");
    let mut changed = ext("101");
    changed.name = "Alice".into();
    changed.max_contacts = 5;
    changed.remote = true;
    store.update_extension(&changed).expect("update");
    assert_eq!(store.get_extension("101").expect("get"), Some(changed));
    assert_eq!(store.get_extension("999").expect("get"), None);
}

#[test]
fn delete_extension_cascades_bindings() {
    let mut store = Store::open_in_memory().expect("opens");
    store.insert_extension(&ext("101")).expect("insert");
    store.insert_extension(&ext("102")).expect("insert");
    for contact in ["sip:101@a", "sip:101@b"] {
        store
            .upsert_binding(&binding("101", contact, 5_000))
            .expect("binding");
    }
    store
        .upsert_binding(&binding("102", "sip:102@a", 5_000))
        .expect("binding");
    let mut linked = user("alice", Role::User);
    linked.extension = Some("101".into());
    store.upsert_user(&linked).expect("user");

    assert!(store.delete_extension("101").expect("delete"));
    assert!(!store.delete_extension("101").expect("delete again"));
    let left = store.load_bindings(0).expect("bindings");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].aor, "102");
    assert_eq!(store.get_extension("101").expect("get"), None);
    let alice = store.get_user("alice").expect("get").expect("still there");
    assert_eq!(
        alice.extension, None,
        "link to the deleted extension dropped"
    );
}

#[test]
fn settings_rows_and_defaults() {
    let mut store = Store::open_in_memory().expect("opens");
    assert_eq!(store.load_settings().expect("loads"), Settings::default());
    // A partial set of rows (an older version) fills in defaults; unknown keys are ignored.
    store
        .conn
        .execute_batch(
            r#"INSERT INTO settings VALUES ('realm', '"old.example"');
               INSERT INTO settings VALUES ('from_the_future', '42');"#,
        )
        .expect("rows");
    let s = store.load_settings().expect("loads");
    assert_eq!(s.realm, "old.example");
    assert_eq!(s.max_expires, Settings::default().max_expires);

    let new = Settings {
        user_extension_range: "1000-1999".parse().expect("range"),
        call_waiting: false,
        ..Settings::default()
    };
    store.save_settings(&new).expect("save");
    assert_eq!(store.load_settings().expect("loads"), new);
    let range: String = store
        .conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'user_extension_range'",
            [],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(range, r#""1000-1999""#);

    store
        .conn
        .execute(
            "UPDATE settings SET value = 'not json' WHERE key = 'realm'",
            [],
        )
        .expect("damage");
    let err = store.load_settings().expect_err("corrupt");
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                what: "setting",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn corrupt_extension_row_is_reported() {
    let store = Store::open_in_memory().expect("opens");
    store
        .conn
        .execute(
            "INSERT INTO extensions (number, data) VALUES ('101', '{}')",
            [],
        )
        .expect("row");
    let err = store.load_config().expect_err("corrupt");
    assert!(
        matches!(&err, StoreError::Corrupt { what: "extension", key, .. } if key == "101"),
        "{err:?}"
    );
}

#[test]
fn users() {
    let mut store = Store::open_in_memory().expect("opens");
    assert_eq!(store.get_user("admin").expect("get"), None);
    store.upsert_user(&user("admin", Role::Admin)).expect("add");
    store
        .upsert_user(&user("ops", Role::Operator))
        .expect("add");
    let mut admin = user("admin", Role::Admin);
    admin.password_hash = "$argon2id$new".into();
    store.upsert_user(&admin).expect("replace");
    assert_eq!(store.get_user("admin").expect("get"), Some(admin.clone()));
    assert_eq!(store.user_count().expect("count"), 2);
    let names: Vec<String> = store
        .list_users()
        .expect("list")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["admin", "ops"]);
    assert!(store.delete_user("ops").expect("delete"));
    assert!(!store.delete_user("ops").expect("delete again"));
    assert_eq!(store.user_count().expect("count"), 1);
    assert!(!format!("{admin:?}").contains("argon2"));
    // The CHECK constraint guards the role column against hand edits.
    let bad = store
        .conn
        .execute("INSERT INTO users VALUES ('x', 'h', 'root', NULL)", []);
    assert!(bad.is_err());
    for role in [Role::Admin, Role::Operator, Role::User] {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
    }
}

#[test]
fn binding_fields_round_trip() {
    let mut store = Store::open_in_memory().expect("opens");
    let full = StoredBinding {
        source: "[2001:db8::7]:5080".into(),
        local: "[::]:5060".into(),
        transport: "tcp".into(),
        conn: Some(u64::MAX),
        q: Some(0.5),
        instance: Some("<urn:uuid:00000000-0000-1000-8000-000a95a0e128>".into()),
        reg_id: Some(1),
        cseq: u32::MAX,
        ..binding("101", "sip:101@[2001:db8::7]:5080;transport=tcp", 9_999)
    };
    store.upsert_binding(&full).expect("upsert");
    assert_eq!(
        store.load_bindings(0).expect("load"),
        std::slice::from_ref(&full)
    );
    let refreshed = StoredBinding {
        cseq: 7,
        expires_at_unix: 20_000,
        ..full.clone()
    };
    store.upsert_binding(&refreshed).expect("refresh");
    assert_eq!(store.load_bindings(0).expect("load"), [refreshed]);
    assert!(store.delete_binding("101", &full.contact).expect("delete"));
    assert!(!store
        .delete_binding("101", &full.contact)
        .expect("delete again"));
}

#[test]
fn batched_binding_changes() {
    let mut store = Store::open_in_memory().expect("opens");
    store
        .upsert_binding(&binding("103", "sip:103@x", 5_000))
        .expect("seed");
    store
        .apply_binding_changes(&[
            BindingChange::Upsert(binding("101", "sip:101@a", 5_000)),
            BindingChange::Upsert(binding("101", "sip:101@b", 5_000)),
            BindingChange::Upsert(binding("102", "sip:102@a", 5_000)),
            BindingChange::Delete {
                aor: "101".into(),
                contact: "sip:101@a".into(),
            },
            BindingChange::DeleteAll { aor: "103".into() },
            // Order matters: this refresh comes after the insert above.
            BindingChange::Upsert(binding("102", "sip:102@a", 6_000)),
        ])
        .expect("batch");
    let keys: Vec<(String, String, i64)> = store
        .load_bindings(0)
        .expect("load")
        .into_iter()
        .map(|b| (b.aor, b.contact, b.expires_at_unix))
        .collect();
    assert_eq!(
        keys,
        [
            ("101".into(), "sip:101@b".into(), 5_000),
            ("102".into(), "sip:102@a".into(), 6_000)
        ]
    );
    store.apply_binding_changes(&[]).expect("empty batch");
    assert_eq!(store.delete_bindings_for("101").expect("delete"), 1);
}

#[test]
fn failed_batch_applies_nothing() {
    let mut store = Store::open_in_memory().expect("opens");
    store
        .conn
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON bindings WHEN NEW.contact = 'sip:boom'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .expect("trigger");
    let err = store.apply_binding_changes(&[
        BindingChange::Upsert(binding("101", "sip:101@a", 5_000)),
        BindingChange::Upsert(binding("101", "sip:boom", 5_000)),
    ]);
    assert!(err.is_err());
    assert_eq!(store.load_bindings(0).expect("load"), []);
}

#[test]
fn expired_bindings_skipped_and_deleted() {
    let mut store = Store::open_in_memory().expect("opens");
    store
        .apply_binding_changes(&[
            BindingChange::Upsert(binding("101", "sip:old", 999)),
            BindingChange::Upsert(binding("101", "sip:edge", 1_000)),
            BindingChange::Upsert(binding("101", "sip:live", 1_001)),
        ])
        .expect("batch");
    let live = store.load_bindings(1_000).expect("load");
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].contact, "sip:live");
    let rows: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM bindings", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 1, "expired rows deleted");
}

#[test]
fn cdr_insert_and_filters() {
    let mut store = Store::open_in_memory().expect("opens");
    let rows = [
        cdr(100, "101", "102", Disposition::Answered),
        cdr(200, "102", "103", Disposition::Busy),
        cdr(300, "103", "101", Disposition::NoAnswer),
        cdr(400, "+15551234", "101", Disposition::Answered),
        cdr(500, "104", "105", Disposition::Failed),
    ];
    let mut ids = Vec::new();
    for row in &rows {
        ids.push(store.insert_cdr(row).expect("insert"));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let starts = |q: CdrQuery| -> Vec<i64> {
        store
            .query_cdr(&q)
            .expect("query")
            .into_iter()
            .map(|c| c.start_unix_ms / 1000)
            .collect()
    };
    assert_eq!(starts(CdrQuery::default()), [500, 400, 300, 200, 100]);
    let q = CdrQuery {
        from_unix_ms: Some(200_000),
        to_unix_ms: Some(400_000),
        ..CdrQuery::default()
    };
    assert_eq!(starts(q), [300, 200], "from inclusive, to exclusive");
    let q = CdrQuery {
        number: Some("101".into()),
        ..CdrQuery::default()
    };
    assert_eq!(starts(q), [400, 300, 100], "caller or callee");
    let q = CdrQuery {
        disposition: Some(Disposition::Answered),
        ..CdrQuery::default()
    };
    assert_eq!(starts(q), [400, 100]);
    let q = CdrQuery {
        number: Some("101".into()),
        disposition: Some(Disposition::Answered),
        from_unix_ms: Some(150_000),
        ..CdrQuery::default()
    };
    assert_eq!(starts(q), [400]);
    let q = CdrQuery {
        limit: Some(2),
        offset: 1,
        ..CdrQuery::default()
    };
    assert_eq!(starts(q), [400, 300]);
    let q = CdrQuery {
        offset: 3,
        ..CdrQuery::default()
    };
    assert_eq!(starts(q), [200, 100], "offset without limit");

    let stored = store.query_cdr(&CdrQuery::default()).expect("query");
    let first = stored.last().expect("rows");
    assert_eq!(
        first,
        &CdrRecord {
            id: Some(ids[0]),
            ..rows[0].clone()
        }
    );
}

#[test]
fn cdr_csv_export_and_quoting() {
    let mut store = Store::open_in_memory().expect("opens");
    let mut plain = cdr(1_714_564_800, "101", "102", Disposition::Answered);
    plain.start_unix_ms += 250;
    plain.trunk = Some("telco".into());
    plain.recording = Some("recordings/2024/05/01/call.wav".into());
    store.insert_cdr(&plain).expect("insert");
    let mut nasty = cdr(
        1_714_564_900,
        "Smith, \"Bob\"",
        "=HYPERLINK(\"x\")",
        Disposition::Busy,
    );
    nasty.call_id = "line1\nline2".into();
    nasty.trunk = Some("+trunk".into());
    store.insert_cdr(&nasty).expect("insert");

    let mut out = Vec::new();
    let n = store
        .write_cdr_csv(&CdrQuery::default(), &mut out)
        .expect("export");
    assert_eq!(n, 2);
    let text = String::from_utf8(out).expect("utf-8");
    let expected = concat!(
        "start,answer,end,caller,callee,duration,billsec,disposition,trunk,call_id,recording,",
        "call_type,did,route,pin\n",
        "2024-05-01T12:01:40.000Z,,2024-05-01T12:02:43.000Z,\"Smith, \"\"Bob\"\"\",",
        "\"'=HYPERLINK(\"\"x\"\")\",63,0,BUSY,'+trunk,\"line1\nline2\",,internal,,,\n",
        "2024-05-01T12:00:00.250Z,2024-05-01T12:00:03.000Z,2024-05-01T12:01:03.000Z,101,102,",
        "63,60,ANSWERED,telco,call-1714564800,recordings/2024/05/01/call.wav,internal,,,\n",
    );
    assert_eq!(text, expected);
    assert_eq!(text.lines().next(), Some(CSV_HEADER));

    let mut out = Vec::new();
    let q = CdrQuery {
        disposition: Some(Disposition::Failed),
        ..CdrQuery::default()
    };
    assert_eq!(store.write_cdr_csv(&q, &mut out).expect("export"), 0);
    assert_eq!(out, format!("{CSV_HEADER}\n").into_bytes());
}

#[test]
fn csv_formula_guard_keeps_phone_numbers() {
    let field = |s: &str| {
        let mut line = String::new();
        cdr::push_csv_field(&mut line, s);
        line
    };
    assert_eq!(field("+15551234"), "+15551234");
    assert_eq!(field("-"), "-");
    assert_eq!(field("*97#"), "*97#");
    assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(field("-2+3"), "'-2+3");
    assert_eq!(field("+cmd|x"), "'+cmd|x");
    assert_eq!(field(""), "");
}

#[test]
fn time_formatting() {
    assert_eq!(format_unix_ms(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(
        format_unix_ms(1_714_564_800_250),
        "2024-05-01T12:00:00.250Z"
    );
    assert_eq!(format_unix_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
    assert_eq!(format_unix_ms(-1), "1969-12-31T23:59:59.999Z");
    assert_eq!(
        format_unix_ms(253_402_300_799_999),
        "9999-12-31T23:59:59.999Z"
    );
}

#[test]
fn disposition_names() {
    for d in Disposition::ALL {
        assert_eq!(d.as_str().parse::<Disposition>(), Ok(d));
    }
    assert_eq!(
        "no_answer".parse::<Disposition>(),
        Ok(Disposition::NoAnswer)
    );
    assert!("HUNG UP".parse::<Disposition>().is_err());
}
