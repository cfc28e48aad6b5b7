//! `pbxctl backup create|list|download|restore|delete`: backups through `/api/v1/backups`.
//! Progress (files and bytes backed up, bytes sent or received) goes to stderr, so stdout
//! carries only the result (the backup's name, the table, the restore report, or `--json`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode_segment, CliError, Client};
use crate::output::Out;

/// `pbxctl backup …`
#[derive(Debug, Subcommand)]
pub(crate) enum BackupCommand {
    /// Make a backup on the PBX and wait until it is written; prints its name.
    Create {
        /// Include call recordings (can be large).
        #[arg(long)]
        recordings: bool,
        /// Leave the call records out.
        #[arg(long)]
        no_cdr: bool,
    },
    /// List the backups stored on the PBX.
    List,
    /// Download a stored backup.
    Download {
        /// The backup's name (see `pbxctl backup list`).
        name: String,
        /// Write it here (default: the backup's name in the current folder).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Restore a backup file (upload) or, with --stored, one kept on the PBX. The PBX checks
    /// the archive completely before it replaces anything and applies it at once.
    Restore {
        /// The archive to upload, or the stored backup's name with --stored.
        file: String,
        /// FILE names a backup stored on the PBX.
        #[arg(long)]
        stored: bool,
    },
    /// Delete a stored backup.
    Delete {
        /// The backup's name.
        name: String,
    },
}

/// Columns of `pbxctl backup list`.
const BACKUP_COLUMNS: &[&str] = &["name", "size", "created_at", "schema_version", "automatic"];
/// Longest wait for a backup job.
const JOB_TIMEOUT: Duration = Duration::from_secs(3600);

/// Run one `backup` subcommand.
pub(crate) fn backup(
    client: &Client,
    out: &mut Out,
    command: &BackupCommand,
) -> Result<(), CliError> {
    match command {
        BackupCommand::Create { recordings, no_cdr } => {
            let body = json!({"recordings": recordings, "cdr": !no_cdr});
            let started = client.send_json("POST", "/api/v1/backups", &body)?;
            let href = started["href"]
                .as_str()
                .ok_or_else(|| CliError::Local("the answer names no job".into()))?
                .to_owned();
            let job = wait_for_job(client, &href)?;
            if out.is_json() {
                return out.record(&job["backup"], BACKUP_COLUMNS);
            }
            let name = job["backup"]["name"].as_str().unwrap_or_default();
            out.message(name)
        }
        BackupCommand::List => {
            let value = client.get_json("/api/v1/backups", &[])?;
            out.table(&value, BACKUP_COLUMNS)
        }
        BackupCommand::Download { name, output } => {
            let path = output.clone().unwrap_or_else(|| PathBuf::from(name));
            let file = std::fs::File::create(&path)
                .map_err(|e| CliError::Local(format!("cannot create {}: {e}", path.display())))?;
            let mut sink = Progress::new(std::io::BufWriter::new(file), "downloaded");
            client.download(&backup_path(name), &[], &mut sink)?;
            sink.finish();
            sink.inner
                .flush()
                .map_err(|e| CliError::Local(format!("cannot write {}: {e}", path.display())))?;
            out.message(&format!("saved {}", path.display()))
        }
        BackupCommand::Restore { file, stored } => {
            let report = if *stored {
                eprintln!("restoring {file} …");
                client.send_json(
                    "POST",
                    &format!("{}/restore", backup_path(file)),
                    &json!({}),
                )?
            } else {
                let f = std::fs::File::open(file)
                    .map_err(|e| CliError::Local(format!("cannot open {file}: {e}")))?;
                let len = f.metadata().map(|m| m.len()).ok();
                let mut reader = Progress::new(f, "uploaded");
                let report = client.upload(
                    "/api/v1/backups/restore",
                    "application/gzip",
                    len,
                    &mut reader,
                )?;
                reader.finish();
                report
            };
            out.record(&summarize_report(report), REPORT_COLUMNS)
        }
        BackupCommand::Delete { name } => {
            client.delete(&backup_path(name))?;
            out.message(&format!("backup {name} deleted"))
        }
    }
}

/// Poll a job until it is done, printing its progress to stderr.
fn wait_for_job(client: &Client, href: &str) -> Result<Value, CliError> {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        let job = client.get_json(href, &[])?;
        let line = format!(
            "backing up: {} files, {}",
            job["files_done"].as_u64().unwrap_or(0),
            human_bytes(job["bytes_done"].as_u64().unwrap_or(0))
        );
        if line != last {
            eprintln!("{line}");
            last = line;
        }
        match job["state"].as_str() {
            Some("done") => {
                let size = job["backup"]["size"].as_u64().unwrap_or(0);
                eprintln!("backup written ({} compressed)", human_bytes(size));
                return Ok(job);
            }
            Some("failed") => {
                return Err(CliError::Local(format!(
                    "backup failed: {}",
                    job["error"].as_str().unwrap_or("unknown error")
                )))
            }
            _ if start.elapsed() > JOB_TIMEOUT => {
                return Err(CliError::Local(
                    "backup still running after an hour; check `pbxctl backup list` later".into(),
                ))
            }
            _ => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// Columns of the restore report.
const REPORT_COLUMNS: &[&str] = &[
    "applied",
    "created_at",
    "version",
    "schema_version_found",
    "schema_version",
    "extensions",
    "included",
];

/// The report with `includes` folded into one readable column.
fn summarize_report(mut report: Value) -> Value {
    if let Some(obj) = report.as_object_mut() {
        let included: Vec<String> = obj
            .get("includes")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.as_bool() == Some(true))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        obj.insert("included".into(), Value::String(included.join(", ")));
    }
    report
}

fn backup_path(name: &str) -> String {
    format!("/api/v1/backups/{}", encode_segment(name))
}

fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / MIB)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

/// A reader or writer that reports how many bytes passed, on stderr, every 4 MiB.
struct Progress<T> {
    inner: T,
    verb: &'static str,
    count: u64,
    reported: u64,
}

impl<T> Progress<T> {
    fn new(inner: T, verb: &'static str) -> Self {
        Progress {
            inner,
            verb,
            count: 0,
            reported: 0,
        }
    }

    fn add(&mut self, n: usize) {
        self.count += n as u64;
        if self.count - self.reported >= 4 << 20 {
            self.reported = self.count;
            eprintln!("{} {}", self.verb, human_bytes(self.count));
        }
    }

    fn finish(&self) {
        eprintln!("{} {}", self.verb, human_bytes(self.count));
    }
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.add(n);
        Ok(n)
    }
}

impl<W: Write> Write for Progress<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.add(n);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names_what_was_included() {
        let r = summarize_report(json!({"applied": "live",
            "includes": {"config": true, "cdr": false, "voicemail": true}}));
        assert_eq!(r["included"], "config, voicemail");
    }

    #[test]
    fn progress_counts_bytes() {
        let mut p = Progress::new(&b"hello world"[..], "read");
        let mut buf = Vec::new();
        p.read_to_end(&mut buf).unwrap();
        assert_eq!(p.count, 11);
    }
}
