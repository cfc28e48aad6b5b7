//! Crash safety: every extension whose insert returned must survive `kill -9` of the writer.
//!
//! The test re-runs its own binary as the writer (selected by an environment variable), reads
//! the writer's "committed N" lines, kills it with SIGKILL mid-stream, then reopens the
//! database and checks that everything reported is there and the file is intact.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use rotary_config::{validate_extension, Extension, ExtensionInput, Settings};
use rotary_store::Store;

/// Set in the child: the data directory to write into.
const WRITER_ENV: &str = "ROTARY_STORE_CRASH_WRITER_DIR";
/// Commits the parent waits for before killing the writer.
const COMMITS_BEFORE_KILL: u32 = 150;
/// Upper bound on the writer loop, so an orphaned writer still ends.
const WRITER_MAX: u32 = 1_000_000;

#[test]
fn committed_extensions_survive_kill_9() {
    if let Some(dir) = std::env::var_os(WRITER_ENV) {
        run_writer(Path::new(&dir));
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "committed_extensions_survive_kill_9",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_ENV, tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reported = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read writer output");
        if let Some(n) = line.strip_prefix("committed ") {
            reported.push(n.parse::<u32>().expect("writer prints numbers"));
            if reported.len() >= COMMITS_BEFORE_KILL as usize {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL the writer");
    let status = child.wait().expect("reap writer");
    assert!(
        !status.success(),
        "writer was killed, not finished: {status:?}"
    );
    assert_eq!(
        reported.len(),
        COMMITS_BEFORE_KILL as usize,
        "writer died early"
    );

    let store = Store::open(tmp.path()).expect("reopen after kill -9");
    store.check_integrity().expect("integrity_check = ok");
    let config = store.load_config().expect("every row decodes");
    for n in &reported {
        let number = number(*n);
        let ext = config
            .extension(&number)
            .unwrap_or_else(|| panic!("committed extension {number} lost"));
        assert_eq!(ext, &extension(*n));
    }
    assert!(config.extensions.len() >= reported.len());
}

/// Child mode: insert extensions one transaction each, reporting each commit on stdout.
fn run_writer(dir: &Path) {
    let mut store = Store::open(dir).expect("writer opens store");
    let mut out = std::io::stdout().lock();
    for n in 0..WRITER_MAX {
        store.insert_extension(&extension(n)).expect("insert");
        // Written only after the commit returned; a failed write means the parent is gone.
        if writeln!(out, "committed {n}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

fn number(n: u32) -> String {
    format!("{}", 10_000 + n)
}

fn extension(n: u32) -> Extension {
    let input = ExtensionInput {
        number: Some(number(n)),
        name: Some(format!("Writer {n}")),
        secret: Some("s3cret-Pass".into()),
        ..ExtensionInput::default()
    };
    let settings = Settings {
        user_extension_range: "10000-99999".parse().expect("range"),
        ..Settings::default()
    };
    validate_extension(&input, None, &settings).expect("valid extension")
}
