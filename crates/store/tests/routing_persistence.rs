//! The routing configuration survives closing and reopening the database, list order and
//! trunk passwords included (the config types never serialize passwords).

use rotary_config::routing::{RoutingConfig, TrunkMode};
use rotary_store::Store;

fn sample() -> RoutingConfig {
    serde_json::from_str(
        r#"{
      "trunks": [
        {"id": "prov", "mode": {"kind": "register", "host": "sip.example.com",
                                "username": "4930123", "password": "reg-Secret-1"}},
        {"id": "peer", "mode": {"kind": "peer", "host": "10.0.0.1"}},
        {"id": "branch", "mode": {"kind": "account", "username": "branch1",
                                  "password": "acc-Secret-2"}}
      ],
      "outbound_routes": [
        {"id": "zeta", "patterns": [{"pattern": "_0ZX.", "strip": 1, "prepend": "+49"}],
         "trunks": ["prov", "peer"]},
        {"id": "alpha", "dial_prefix": "9", "patterns": [{"pattern": "_X."}], "trunks": ["peer"]}
      ],
      "time_conditions": [
        {"id": "office", "time_zone": "Europe/Berlin",
         "weekly": [{"days": ["mon", "fri"], "start": "08:00", "end": "17:00"}],
         "matched": {"type": "conference", "number": "0900"}, "not_matched": {"type": "hangup"}}
      ],
      "inbound_routes": [
        {"name": "main", "did": "_4930X.", "destination": {"type": "time_condition", "id": "office"}}
      ],
      "blacklist": [{"pattern": "_0900.", "direction": "both", "note": "premium"}],
      "default_dial_permission": null,
      "options": {"block_anonymous": true, "emergency_numbers": ["112"]}
    }"#,
    )
    .expect("sample routing parses")
}

fn password(routing: &RoutingConfig, id: &str) -> String {
    match &routing.trunk(id).expect("trunk").mode {
        TrunkMode::Register(r) => r.password.expose().to_owned(),
        TrunkMode::Account(a) => a.password.expose().to_owned(),
        TrunkMode::Peer(_) => String::new(),
    }
}

#[test]
fn routing_survives_a_reopen_with_passwords_and_order() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let routing = sample();
    {
        let mut store = Store::open(tmp.path()).expect("opens");
        assert_eq!(
            store.load_routing().expect("empty loads"),
            RoutingConfig::default()
        );
        store.save_routing(&routing).expect("saves");
    }
    let store = Store::open(tmp.path()).expect("reopens");
    let loaded = store.load_routing().expect("loads");
    assert_eq!(loaded, routing);
    assert_eq!(password(&loaded, "prov"), "reg-Secret-1");
    assert_eq!(password(&loaded, "branch"), "acc-Secret-2");
    let order: Vec<&str> = loaded
        .outbound_routes
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(order, ["zeta", "alpha"]);
    assert!(loaded.options.block_anonymous);
    assert_eq!(store.load_config().expect("config").routing, routing);
}

#[test]
fn a_save_replaces_everything_in_one_go() {
    let mut store = Store::open_in_memory().expect("opens");
    store.save_routing(&sample()).expect("saves");
    let mut smaller = sample();
    smaller.outbound_routes.truncate(1);
    smaller.blacklist.clear();
    smaller.options.block_anonymous = false;
    store.save_routing(&smaller).expect("saves again");
    assert_eq!(store.load_routing().expect("loads"), smaller);
    store
        .save_routing(&RoutingConfig::default())
        .expect("clears");
    assert_eq!(
        store.load_routing().expect("loads"),
        RoutingConfig::default()
    );
}
