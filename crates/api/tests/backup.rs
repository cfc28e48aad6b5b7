//! Backup and restore through the API: a round trip brings the configuration and files
//! back live; damaged, altered, hostile or foreign archives are refused with a 400 before
//! anything changes; a backup from the previous schema version is migrated on restore.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{basic_header, Harness, Reply, ADMIN, ADMIN_PW};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Start a backup and wait (bounded) until its job is done; returns the backup's name.
async fn make_backup(h: &Harness, body: &str) -> String {
    let r = h.call("POST", "/api/v1/backups", ADMIN, Some(body)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let href = r.json["href"].as_str().unwrap().to_owned();
    for _ in 0..500 {
        let job = h.call("GET", &href, ADMIN, None).await;
        match job.json["state"].as_str() {
            Some("done") => {
                assert!(job.json["files_done"].as_u64().unwrap() >= 1);
                return job.json["backup"]["name"].as_str().unwrap().to_owned();
            }
            Some("failed") => panic!("backup failed: {}", job.text),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    panic!("backup did not finish");
}

async fn download(h: &Harness, name: &str) -> Vec<u8> {
    let req = Request::get(format!("/api/v1/backups/{name}"))
        .header(header::AUTHORIZATION, basic_header("admin", ADMIN_PW))
        .body(Body::empty())
        .unwrap();
    let resp = rotary_api::router(h.state.clone()).oneshot_bytes(req).await;
    assert_eq!(resp.0, StatusCode::OK);
    assert_eq!(resp.1, "application/gzip");
    resp.2
}

async fn upload(h: &Harness, bytes: Vec<u8>) -> Reply {
    let req = Request::post("/api/v1/backups/restore")
        .header(header::AUTHORIZATION, basic_header("admin", ADMIN_PW))
        .header(header::CONTENT_TYPE, "application/gzip")
        .body(Body::from(bytes))
        .unwrap();
    h.send(req).await
}

/// `Router::oneshot` returning status, content type and raw body bytes.
trait OneshotBytes {
    async fn oneshot_bytes(self, req: Request<Body>) -> (StatusCode, String, Vec<u8>);
}

impl OneshotBytes for axum::Router {
    async fn oneshot_bytes(self, req: Request<Body>) -> (StatusCode, String, Vec<u8>) {
        use tower::ServiceExt;
        let resp = self.oneshot(req).await.unwrap();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, ct, body.to_vec())
    }
}

fn write(dir: &Path, rel: &str, body: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// Unpack a `.tar.gz` into (name, bytes) pairs.
fn unpack(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut body = Vec::new();
        e.read_to_end(&mut body).unwrap();
        out.push((name, body));
    }
    out
}

/// Pack (name, bytes) pairs as a `.tar.gz`, names taken literally.
fn pack(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, body) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Write the name bytes directly so hostile names (`../x`) survive.
        let raw = &mut header.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        tar.append(&header, body.as_slice()).unwrap();
    }
    let mut gz = tar.into_inner().unwrap();
    gz.flush().unwrap();
    gz.finish().unwrap()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn numbers(h: &Harness) -> Vec<String> {
    h.backend
        .config
        .lock()
        .unwrap()
        .extensions
        .keys()
        .map(|n| n.as_str().to_owned())
        .collect()
}

#[tokio::test]
async fn round_trip_brings_configuration_and_files_back_live() {
    let h = Harness::with_files();
    write(h.dir(), "prompts/welcome.wav", b"RIFF-welcome");
    write(h.dir(), "voicemail/101/msg0001.wav", b"RIFF-message");
    let name = make_backup(&h, r#"{"cdr":true}"#).await;
    assert!(
        name.starts_with("rotary-backup-") && name.ends_with(".tar.gz"),
        "{name}"
    );

    let list = h.call("GET", "/api/v1/backups", ADMIN, None).await;
    assert_eq!(list.json[0]["name"], name.as_str());
    assert_eq!(list.json[0]["includes"]["cdr"], true);
    assert_eq!(list.json[0]["includes"]["recordings"], false);
    assert_eq!(
        list.json[0]["schema_version"],
        rotary_store::SCHEMA_VERSION as u64
    );
    let archive = download(&h, &name).await;
    let entries = unpack(&archive);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "rotary.db",
            "prompts/welcome.wav",
            "voicemail/101/msg0001.wav",
            "manifest.json"
        ]
    );
    let manifest: Value = serde_json::from_slice(&entries[3].1).unwrap();
    assert_eq!(manifest["product"], "rotary");
    assert_eq!(manifest["files"][1]["sha256"], sha(b"RIFF-welcome"));

    // Change everything the backup covers.
    h.call("DELETE", "/api/v1/extensions/101", ADMIN, None)
        .await;
    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            ADMIN,
            Some(r#"{"number":"102","secret":"Secret-Pass-a8c"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    h.call(
        "PATCH",
        "/api/v1/settings",
        ADMIN,
        Some(r#"{"global_ring_time":55}"#),
    )
    .await;
    std::fs::remove_file(h.dir().join("prompts/welcome.wav")).unwrap();
    write(h.dir(), "prompts/new.wav", b"RIFF-new");
    assert_eq!(numbers(&h), ["102"]);

    let before = h.change_count();
    let r = upload(&h, archive).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["applied"], "live");
    assert_eq!(r.json["schema_version_found"], r.json["schema_version"]);
    // The engine got the restored configuration, and the store holds it.
    assert_eq!(h.change_count(), before + 1);
    assert_eq!(numbers(&h), ["101"]);
    assert_eq!(h.stored().extension("101").unwrap().name, "Alice");
    assert_ne!(h.stored().settings.global_ring_time, 55);
    assert_eq!(
        std::fs::read(h.dir().join("prompts/welcome.wav")).unwrap(),
        b"RIFF-welcome"
    );
    assert!(!h.dir().join("prompts/new.wav").exists());
    assert!(h.dir().join("voicemail/101/msg0001.wav").exists());
    // The account of extension 101 is back too; work folders are gone.
    h.login("alice", common::USER_PW).await;
    let leftovers: Vec<_> = std::fs::read_dir(h.dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".restore") || n.starts_with(".upload"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The restore itself is in the audit log.
    let audit = h
        .call("GET", "/api/v1/audit?action=restore", ADMIN, None)
        .await;
    assert_eq!(audit.json["total"], 1, "{}", audit.text);
    assert_eq!(audit.json["items"][0]["actor"], "admin");
}

#[tokio::test]
async fn bad_archives_are_refused_and_nothing_is_replaced() {
    let h = Harness::with_files();
    write(h.dir(), "prompts/welcome.wav", b"RIFF-welcome");
    let name = make_backup(&h, "{}").await;
    let good = download(&h, &name).await;
    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            ADMIN,
            Some(r#"{"number":"102","secret":"Secret-Pass-a8c"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let entries = unpack(&good);
    let changes = h.change_count();

    // A flipped byte in the compressed stream.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    // A database altered after the manifest was written.
    let mut altered = entries.clone();
    altered[0].1[200] ^= 0x01;
    // An entry that climbs out of the folder.
    let mut hostile = entries.clone();
    hostile.insert(0, ("../escaped.txt".into(), b"x".to_vec()));
    // A file the manifest does not list.
    let mut extra = entries.clone();
    extra.insert(1, ("prompts/extra.wav".into(), b"x".to_vec()));
    // No manifest; a manifest from another product; a newer schema.
    let no_manifest: Vec<_> = entries[..entries.len() - 1].to_vec();
    let mut foreign = entries.clone();
    let mut newer = entries.clone();
    let mut m: Value = serde_json::from_slice(&entries.last().unwrap().1).unwrap();
    m["product"] = json!("other-pbx");
    foreign.last_mut().unwrap().1 = serde_json::to_vec(&m).unwrap();
    m["product"] = json!("rotary");
    m["schema_version"] = json!(rotary_store::SCHEMA_VERSION + 1);
    newer.last_mut().unwrap().1 = serde_json::to_vec(&m).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped byte", flipped, "not a usable Rotary backup"),
        (
            "not gzip",
            b"hello, this is not an archive".to_vec(),
            "not a usable",
        ),
        ("truncated", good[..good.len() / 3].to_vec(), "not a usable"),
        ("altered db", pack(&altered), "does not match its checksum"),
        ("hostile path", pack(&hostile), "leaves the archive folder"),
        ("unlisted file", pack(&extra), "not listed in the manifest"),
        ("no manifest", pack(&no_manifest), "no manifest.json"),
        ("foreign", pack(&foreign), "not rotary"),
        ("newer schema", pack(&newer), "newer pbxd"),
    ];
    for (what, bytes, message) in cases {
        let r = upload(&h, bytes).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text);
        assert_eq!(r.json["field"], "archive", "{what}");
        assert!(
            r.json["error"].as_str().unwrap().contains(message),
            "{what}: {}",
            r.text
        );
    }
    let r = upload(&h, Vec::new()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Nothing was replaced.
    assert_eq!(h.change_count(), changes);
    assert_eq!(numbers(&h), ["101", "102"]);
    assert!(h.stored().extension("102").is_some());
    assert!(!h.dir().join("../escaped.txt").exists());
    assert!(!h.dir().join("escaped.txt").exists());
    assert_eq!(
        std::fs::read(h.dir().join("prompts/welcome.wav")).unwrap(),
        b"RIFF-welcome"
    );
    // And the good archive still restores.
    let r = upload(&h, good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(numbers(&h), ["101"]);
}

#[tokio::test]
async fn a_backup_from_the_previous_schema_version_is_migrated() {
    let h = Harness::with_files();
    let old_version = rotary_store::SCHEMA_VERSION - 1;
    let old = tempfile::tempdir().unwrap();
    rotary_store::create_database_at_version(old.path(), old_version).unwrap();
    // Fill the old database the way that release wrote it (columns of v1/v2 only).
    let live = rusqlite::Connection::open(h.dir().join("rotary.db")).unwrap();
    let ext_json: String = live
        .query_row(
            "SELECT data FROM extensions WHERE number = '101'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let admin_hash: String = live
        .query_row(
            "SELECT password_hash FROM users WHERE username = 'admin'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(live);
    let db_path = old.path().join("rotary.db");
    {
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        conn.execute(
            "INSERT INTO extensions (number, data) VALUES ('120', ?1)",
            [&ext_json],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO users (username, password_hash, role) VALUES ('admin', ?1, 'admin')",
            [&admin_hash],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('global_ring_time', '33')",
            [],
        )
        .unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, old_version);
    }
    let db = std::fs::read(&db_path).unwrap();
    let manifest = json!({
        "format": 1, "product": "rotary", "version": "0.0.9",
        "schema_version": old_version, "created_at": "2024-12-31T23:00:00Z",
        "includes": {"config": true, "prompts": false, "voicemail": false,
                     "recordings": false, "cdr": false},
        "files": [{"path": "rotary.db", "size": db.len(), "sha256": sha(&db)}],
    });
    let archive = pack(&[
        ("rotary.db".into(), db),
        (
            "manifest.json".into(),
            serde_json::to_vec(&manifest).unwrap(),
        ),
    ]);
    let r = upload(&h, archive).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["schema_version_found"], old_version as u64);
    assert_eq!(
        r.json["schema_version"],
        rotary_store::SCHEMA_VERSION as u64
    );
    assert_eq!(numbers(&h), ["120"]);
    assert_eq!(h.stored().settings.global_ring_time, 33);
    // The accounts came from the backup: only admin is left.
    h.login("admin", ADMIN_PW).await;
    let r = h.call("GET", "/api/v1/me", common::OPERATOR, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn stored_backups_restore_by_name_and_can_be_deleted() {
    let h = Harness::with_files();
    let name = make_backup(&h, "{}").await;
    h.call("DELETE", "/api/v1/extensions/101", ADMIN, None)
        .await;
    let r = h
        .call(
            "POST",
            &format!("/api/v1/backups/{name}/restore"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(numbers(&h), ["101"]);
    for bad in ["..%2Frotary.db", "rotary.db", "rotary-backup-x.tar.gz"] {
        let r = h
            .call("GET", &format!("/api/v1/backups/{bad}"), ADMIN, None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let r = h
        .call("DELETE", &format!("/api/v1/backups/{name}"), ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let list = h.call("GET", "/api/v1/backups", ADMIN, None).await;
    assert_eq!(list.json, json!([]));
    let audit = h
        .call(
            "GET",
            "/api/v1/audit?resource=backups&action=delete",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(audit.json["total"], 1, "{}", audit.text);
}
