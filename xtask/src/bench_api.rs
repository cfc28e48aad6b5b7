//! `cargo xtask bench api [--extensions 1000] [--cdr 500000] [--requests 20]`: how fast
//! the admin API serves each page's data on a full box (issue 7: 1,000 extensions and the
//! DUC guide's 500,000 call records; goal: every page's data under 100 ms).
//!
//! The extensions are created through the API, as an admin would; the call records are
//! written straight into the store's `cdr` table (half a million calls cannot be placed
//! in a benchmark). Then pbxd is restarted on that data and each request is timed from
//! the client over loopback (median, p95 and worst of N after a warm-up). Beside each, the
//! floor: the same rows read by a plain SQLite query on the same database in this
//! process, so the ratio shows what the API adds (auth, JSON, HTTP) and not the
//! machine's speed. Nothing asserts on time; the table says which goals were met.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::harness::{login, scratch, start_pbxd, Guard};

/// The API's answer time goal for a page's data (issue 7).
const PAGE_GOAL_MS: f64 = 100.0;
const ADMIN: &str = "Bench-Admin-Pass-9";

struct Options {
    extensions: u32,
    cdr: u32,
    requests: u32,
}

/// One timed API path and the SQL that reads the same rows.
struct Probe {
    what: &'static str,
    path: String,
    floor_sql: String,
    /// Judged against the page goal (a CSV export of everything is not a page).
    page: bool,
}

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let opts = parse(args)?;
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "rotary-pbxd"])
        .status()?;
    if !status.success() {
        bail!("building pbxd failed");
    }
    let work = scratch("bench-api")?;
    let data = work.join("data");
    println!(
        "bench api: {} extensions, {} call records, {} timed requests per path",
        opts.extensions, opts.cdr, opts.requests
    );

    // 1. Extensions through the API.
    {
        let (pbxd, base) = start(&data)?;
        let token = login(&base, ADMIN)?;
        let auth = format!("Bearer {token}");
        // Room for the numbers (the default user range is 100-899).
        let high = 1000 + opts.extensions.max(1) - 1;
        ureq::patch(&format!("{base}/api/v1/settings"))
            .set("Authorization", &auth)
            .send_json(
                serde_json::json!({"user_extension_range": format!("1000-{}", high.max(1999))}),
            )
            .context("widening the user extension range")?;
        let t0 = Instant::now();
        for i in 0..opts.extensions {
            let number = 1000 + i;
            let body = serde_json::json!({
                "number": number.to_string(),
                "name": format!("User {number}"),
                // Strong, and free of the number itself (the API refuses that).
                "secret": format!(
                    "Bench-{}-Secret9",
                    number
                        .to_string()
                        .bytes()
                        .map(|d| char::from(b'a' + (d - b'0')))
                        .collect::<String>()
                ),
            });
            let r = ureq::post(&format!("{base}/api/v1/extensions"))
                .set("Authorization", &auth)
                .send_json(body);
            match r {
                Ok(_) => {}
                Err(ureq::Error::Status(409, _)) => {}
                Err(ureq::Error::Status(code, r)) => bail!(
                    "creating extension {number}: {code} {}",
                    r.into_string().unwrap_or_default()
                ),
                Err(e) => bail!("creating extension {number}: {e}"),
            }
        }
        println!(
            "  created {} extensions through the API in {:.1} s",
            opts.extensions,
            t0.elapsed().as_secs_f64()
        );
        stop(pbxd)?;
    }

    // 2. Call records straight into the store.
    let db = data.join("rotary.db");
    let db = if db.exists() { db } else { find_db(&data)? };
    let t0 = Instant::now();
    fill_cdr(&db, opts.cdr, opts.extensions)?;
    println!(
        "  wrote {} call records in {:.1} s",
        opts.cdr,
        t0.elapsed().as_secs_f64()
    );

    // 3. Time the API on the full box, beside SQL floors.
    let (pbxd, base) = start(&data)?;
    let token = login(&base, ADMIN)?;
    let auth = format!("Bearer {token}");
    let floor_db = rusqlite::Connection::open_with_flags(
        &db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let deep = opts.cdr / 2;
    // An extension that exists for any --extensions.
    let mid = 1000 + opts.extensions / 2;
    let cdr_cols = "id, start, answer, \"end\", caller, callee, duration, billsec, disposition, cause, trunk, call_id, peer_call_id, recording";
    let probes = [
        Probe {
            what: "extensions (all)",
            path: "/api/v1/extensions".into(),
            floor_sql: "SELECT number, data FROM extensions ORDER BY number".into(),
            page: true,
        },
        Probe {
            what: "extension (one)",
            path: format!("/api/v1/extensions/{mid}"),
            floor_sql: format!("SELECT number, data FROM extensions WHERE number = '{mid}'"),
            page: true,
        },
        Probe {
            what: "registrations",
            path: "/api/v1/registrations".into(),
            floor_sql: "SELECT * FROM bindings".into(),
            page: true,
        },
        Probe {
            what: "settings",
            path: "/api/v1/settings".into(),
            floor_sql: "SELECT key, value FROM settings".into(),
            page: true,
        },
        Probe {
            what: "CDR first page (50)",
            path: "/api/v1/cdr?limit=50".into(),
            floor_sql: format!("SELECT {cdr_cols} FROM cdr ORDER BY start DESC, id DESC LIMIT 50"),
            page: true,
        },
        Probe {
            what: "CDR page at the middle",
            path: format!("/api/v1/cdr?limit=50&offset={deep}"),
            floor_sql: format!(
                "SELECT {cdr_cols} FROM cdr ORDER BY start DESC, id DESC LIMIT 50 OFFSET {deep}"
            ),
            page: true,
        },
        Probe {
            what: "CDR of one number (50)",
            path: format!("/api/v1/cdr?number={mid}&limit=50"),
            floor_sql: format!(
                "SELECT {cdr_cols} FROM cdr WHERE caller = '{mid}' OR callee = '{mid}' \
                 ORDER BY start DESC, id DESC LIMIT 50"
            ),
            page: true,
        },
        Probe {
            what: "CDR CSV export (all)",
            path: "/api/v1/cdr.csv".into(),
            floor_sql: format!("SELECT {cdr_cols} FROM cdr ORDER BY start DESC, id DESC"),
            page: false,
        },
    ];

    println!(
        "\n{:<26} {:>10} {:>10} {:>10} {:>11} {:>10} {:>8} {:>6}",
        "page data", "median ms", "p95 ms", "max ms", "floor ms", "ratio", "goal", "met"
    );
    let mut all_met = true;
    for p in &probes {
        let url = format!("{base}{}", p.path);
        let mut times = Vec::new();
        let mut bytes = 0usize;
        for i in 0..opts.requests + 3 {
            let t = Instant::now();
            let resp = ureq::get(&url)
                .set("Authorization", &auth)
                .timeout(Duration::from_secs(120))
                .call()
                .with_context(|| format!("GET {}", p.path))?;
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut resp.into_reader(), &mut body)?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            bytes = body.len();
            if i >= 3 {
                times.push(ms);
            }
        }
        let floor = floor_ms(&floor_db, &p.floor_sql, opts.requests)?;
        times.sort_by(f64::total_cmp);
        let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        let (median, p95, max) = (pick(0.5), pick(0.95), pick(1.0));
        let (goal, met) = if p.page {
            let ok = p95 < PAGE_GOAL_MS;
            all_met &= ok;
            (format!("<{PAGE_GOAL_MS:.0}"), if ok { "yes" } else { "NO" })
        } else {
            ("-".to_owned(), "-")
        };
        println!(
            "{:<26} {:>10.2} {:>10.2} {:>10.2} {:>11.2} {:>9.1}x {:>8} {:>6}   ({} bytes)",
            p.what,
            median,
            p95,
            max,
            floor,
            median / floor.max(0.001),
            goal,
            met,
            bytes
        );
    }
    println!(
        "\nall page data under {PAGE_GOAL_MS:.0} ms at p95: {}",
        if all_met { "yes" } else { "NO" }
    );
    stop(pbxd)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn parse(args: &[&str]) -> Result<Options> {
    let mut o = Options {
        extensions: 1000,
        cdr: 500_000,
        requests: 20,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().context("flag needs a value")?;
        match *a {
            "--extensions" => o.extensions = v.parse()?,
            "--cdr" => o.cdr = v.parse()?,
            "--requests" => o.requests = v.parse::<u32>()?.max(1),
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(o)
}

/// Starts the release pbxd on `data` (core 0) and waits until it answers.
fn start(data: &Path) -> Result<(Guard, String)> {
    let (child, _, base) = start_pbxd(data, ADMIN, &[])?;
    Ok((child, base))
}

/// Stops pbxd with SIGTERM and waits for it (it flushes the store on the way out).
fn stop(mut pbxd: Guard) -> Result<()> {
    let pid = pbxd.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if pbxd.0.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("pbxd did not stop within 10 s")
}

/// The SQLite file in the data dir (whatever pbxd names it).
fn find_db(data: &Path) -> Result<std::path::PathBuf> {
    for e in std::fs::read_dir(data)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "db" || x == "sqlite") {
            return Ok(p);
        }
    }
    bail!("no database file in {}", data.display())
}

/// Writes `n` plausible call records (a year of calls among the extensions) in one
/// transaction.
fn fill_cdr(db: &Path, n: u32, extensions: u32) -> Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO cdr (start, answer, \"end\", caller, callee, duration, billsec, \
             disposition, cause, trunk, call_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, ?9)",
        )?;
        let year_ms: i64 = 365 * 24 * 3600 * 1000;
        let t0: i64 = 1_750_000_000_000;
        let ext = i64::from(extensions.max(2));
        // A small deterministic generator: the same data every run.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..i64::from(n) {
            let start = t0 + i * (year_ms / i64::from(n.max(1)));
            let caller = 1000 + (next() % ext as u64) as i64;
            let callee = 1000 + (next() % ext as u64) as i64;
            let answered = next() % 4 != 0;
            let billsec = if answered { (next() % 600) as i64 } else { 0 };
            let ring = 2 + (next() % 20) as i64;
            insert.execute(rusqlite::params![
                start,
                answered.then_some(start + ring * 1000),
                start + (ring + billsec) * 1000,
                caller.to_string(),
                callee.to_string(),
                ring + billsec,
                billsec,
                if answered { "answered" } else { "no_answer" },
                format!("bench-{i}@rotary"),
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Median time of reading every row `sql` returns, all columns touched, in ms.
fn floor_ms(db: &rusqlite::Connection, sql: &str, rounds: u32) -> Result<f64> {
    let mut stmt = db.prepare(sql)?;
    let cols = stmt.column_count();
    let mut times = Vec::new();
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let mut rows = stmt.query([])?;
        let mut sink = 0usize;
        while let Some(row) = rows.next()? {
            for c in 0..cols {
                if let Ok(v) = row.get_ref(c) {
                    sink = sink.wrapping_add(match v {
                        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                            t.len()
                        }
                        _ => 1,
                    });
                }
            }
        }
        std::hint::black_box(sink);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}
