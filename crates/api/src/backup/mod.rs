//! Backups: making them (as background jobs with visible progress), keeping them in
//! `DATA_DIR/backups/`, the automatic schedule, and restoring one.
//!
//! A restore takes the configuration live, without a restart: the uploaded archive is
//! unpacked into a temporary folder of the data dir and checked completely first (see
//! [`archive`]); a corrupted or foreign archive is refused before anything changes. Then
//! the sound/voicemail folders are swapped in with renames (undone if what follows
//! fails), the database contents are replaced in one SQLite transaction on the live
//! database (`Store::import_database`: other connections, such as the engine's writer,
//! see the old or the new configuration, never a mix), and the engine is handed the
//! restored configuration as its next snapshot. Calls in progress keep their snapshot;
//! registrations stay. A backup from an older schema version was migrated while it was
//! checked.

pub(crate) mod archive;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngCore;
use rotary_store::{AuditEntry, Store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::{AppState, Backend};
use archive::{Includes, Manifest};

/// Folder of the data dir that holds the backups.
pub(crate) const BACKUP_DIR: &str = "backups";

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BackupError {
    /// The archive is damaged, foreign, or from a newer release (400).
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing files failed (500).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Anything else on our side (500).
    #[error("{0}")]
    Internal(String),
}

impl BackupError {
    pub(crate) fn io(what: &'static str, source: std::io::Error) -> Self {
        BackupError::Io { what, source }
    }

    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        BackupError::Internal(e.to_string())
    }
}

impl From<BackupError> for ApiError {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::Invalid(message) => ApiError::BadRequest {
                message,
                field: Some("archive".into()),
                issues: vec![],
            },
            other => ApiError::internal(other),
        }
    }
}

/// One stored backup as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct BackupInfo {
    /// File name (the id in URLs).
    #[schema(example = "rotary-backup-0.1.0-20250131-120000.tar.gz")]
    pub(crate) name: String,
    /// Size in bytes.
    pub(crate) size: u64,
    /// When it was made, RFC 3339.
    pub(crate) created_at: String,
    /// pbxd version that made it.
    pub(crate) version: String,
    /// Its database schema version.
    pub(crate) schema_version: u32,
    /// What it holds.
    pub(crate) includes: Includes,
    /// Made by the schedule rather than by someone.
    pub(crate) automatic: bool,
}

/// What to put in a new backup.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupOptions {
    /// Include call recordings (can be large). Default false.
    #[serde(default)]
    pub(crate) recordings: bool,
    /// Include call records. Default true.
    #[serde(default = "yes")]
    pub(crate) cdr: bool,
}

fn yes() -> bool {
    true
}

/// State of a backup job (`GET /api/v1/backups/jobs/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct JobView {
    /// Job id.
    pub(crate) id: u64,
    /// `running`, `done` or `failed`.
    #[schema(example = "running")]
    pub(crate) state: &'static str,
    /// Files written so far.
    pub(crate) files_done: u64,
    /// Bytes written so far (before compression).
    pub(crate) bytes_done: u64,
    /// The finished backup.
    pub(crate) backup: Option<BackupInfo>,
    /// Why it failed.
    pub(crate) error: Option<String>,
}

/// Backup jobs of this process and the lock that keeps two backups or restores from
/// running at once.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    jobs: Mutex<BTreeMap<u64, JobView>>,
    next_id: Mutex<u64>,
    /// Held while a backup or a restore runs.
    pub(crate) busy: tokio::sync::Mutex<()>,
}

impl Jobs {
    fn start(&self) -> u64 {
        let id = self.next_id.lock().map_or(1, |mut n| {
            *n += 1;
            *n
        });
        if let Ok(mut jobs) = self.jobs.lock() {
            // Keep the last few finished jobs for their status; forget older ones.
            while jobs.len() >= 32 {
                let Some(oldest) = jobs.keys().next().copied() else {
                    break;
                };
                jobs.remove(&oldest);
            }
            jobs.insert(
                id,
                JobView {
                    id,
                    state: "running",
                    files_done: 0,
                    bytes_done: 0,
                    backup: None,
                    error: None,
                },
            );
        }
        id
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut JobView)) {
        if let Ok(mut jobs) = self.jobs.lock() {
            if let Some(j) = jobs.get_mut(&id) {
                f(j);
            }
        }
    }

    /// A job's state.
    pub(crate) fn get(&self, id: u64) -> Option<JobView> {
        self.jobs.lock().ok()?.get(&id).cloned()
    }
}

/// Start a backup job; returns its id at once (the work runs in the background).
pub(crate) fn start_backup(
    state: &AppState,
    data_dir: PathBuf,
    opts: BackupOptions,
    automatic: bool,
) -> u64 {
    let jobs = Arc::clone(&state.backups);
    let id = jobs.start();
    let store = Arc::clone(&state.store);
    tokio::spawn(async move {
        let _busy = jobs.busy.lock().await;
        let progress_jobs = Arc::clone(&jobs);
        let result = tokio::task::spawn_blocking(move || {
            create_backup(&store, &data_dir, opts, automatic, &|files, bytes| {
                progress_jobs.update(id, |j| {
                    j.files_done = files;
                    j.bytes_done = bytes;
                });
            })
        })
        .await
        .map_err(BackupError::internal)
        .and_then(|r| r);
        match result {
            Ok(info) => {
                tracing::info!(backup = %info.name, size = info.size, "backup written");
                jobs.update(id, |j| {
                    j.state = "done";
                    j.backup = Some(info);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "backup failed");
                jobs.update(id, |j| {
                    j.state = "failed";
                    j.error = Some(e.to_string());
                });
            }
        }
    });
    id
}

/// Make one backup now (blocking): snapshot, archive, sidecar manifest, rename into place.
pub(crate) fn create_backup(
    store: &Mutex<Store>,
    data_dir: &Path,
    opts: BackupOptions,
    automatic: bool,
    progress: &dyn Fn(u64, u64),
) -> Result<BackupInfo, BackupError> {
    let dir = data_dir.join(BACKUP_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| BackupError::io("creating backups/", e))?;
    let now = chrono::Utc::now();
    let version = env!("CARGO_PKG_VERSION");
    let mut name = format!(
        "rotary-backup-{version}-{}{}.tar.gz",
        now.format("%Y%m%d-%H%M%S"),
        if automatic { "-auto" } else { "" }
    );
    // Two backups in the same second get distinct names.
    let mut n = 1;
    while dir.join(&name).exists() {
        n += 1;
        name = format!(
            "rotary-backup-{version}-{}-{n}{}.tar.gz",
            now.format("%Y%m%d-%H%M%S"),
            if automatic { "-auto" } else { "" }
        );
    }
    let staging = TempDir::new(&dir, ".backup")?;
    let db = staging.path().join(archive::DATABASE);
    let schema_version = {
        let guard = store
            .lock()
            .map_err(|_| BackupError::internal("store lock poisoned"))?;
        guard
            .snapshot_to(&db, opts.cdr)
            .map_err(BackupError::internal)?;
        guard.schema_version().map_err(BackupError::internal)?
    };
    let manifest = Manifest {
        format: archive::FORMAT,
        product: "rotary".into(),
        version: version.into(),
        schema_version: u32::try_from(schema_version).unwrap_or(0),
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        includes: Includes {
            config: true,
            prompts: true,
            voicemail: true,
            recordings: opts.recordings,
            cdr: opts.cdr,
        },
        files: Vec::new(),
    };
    let part = staging.path().join("archive.part");
    let manifest = archive::write_archive(&part, &db, data_dir, manifest, progress)?;
    let size = std::fs::metadata(&part)
        .map_err(|e| BackupError::io("reading the archive", e))?
        .len();
    let info = BackupInfo {
        name: name.clone(),
        size,
        created_at: manifest.created_at.clone(),
        version: manifest.version.clone(),
        schema_version: manifest.schema_version,
        includes: manifest.includes,
        automatic,
    };
    let sidecar = serde_json::to_vec_pretty(&info).map_err(BackupError::internal)?;
    std::fs::write(dir.join(sidecar_name(&name)), sidecar)
        .map_err(|e| BackupError::io("writing the backup index", e))?;
    std::fs::rename(&part, dir.join(&name))
        .map_err(|e| BackupError::io("moving the archive into place", e))?;
    Ok(info)
}

/// The stored backups, newest first.
pub(crate) fn list_backups(data_dir: &Path) -> Result<Vec<BackupInfo>, BackupError> {
    let dir = data_dir.join(BACKUP_DIR);
    let read = match std::fs::read_dir(&dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BackupError::io("listing backups", e)),
    };
    let mut out = Vec::new();
    for entry in read.filter_map(Result::ok) {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_backup_name(&name) {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let info = std::fs::read(dir.join(sidecar_name(&name)))
            .ok()
            .and_then(|b| serde_json::from_slice::<BackupInfo>(&b).ok());
        out.push(match info {
            Some(mut i) => {
                i.size = size;
                i
            }
            None => BackupInfo {
                name: name.clone(),
                size,
                created_at: String::new(),
                version: String::new(),
                schema_version: 0,
                includes: Includes::default(),
                automatic: name.ends_with("-auto.tar.gz"),
            },
        });
    }
    out.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(out)
}

/// Delete a stored backup and its index; `false` when there was none.
pub(crate) fn delete_backup(data_dir: &Path, name: &str) -> Result<bool, BackupError> {
    let dir = data_dir.join(BACKUP_DIR);
    let _ = std::fs::remove_file(dir.join(sidecar_name(name)));
    match std::fs::remove_file(dir.join(name)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(BackupError::io("deleting the backup", e)),
    }
}

/// Whether `name` is a backup file name this module writes (and so safe in a path).
pub(crate) fn is_backup_name(name: &str) -> bool {
    name.starts_with("rotary-backup-")
        && name.ends_with(".tar.gz")
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn sidecar_name(name: &str) -> String {
    format!(".{name}.json")
}

/// What a restore did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct RestoreReport {
    /// The manifest of the restored backup.
    pub(crate) created_at: String,
    /// pbxd version that made it.
    pub(crate) version: String,
    /// Its schema version (before migration).
    pub(crate) schema_version_found: i64,
    /// This build's schema version (after migration).
    pub(crate) schema_version: i64,
    /// What was replaced.
    pub(crate) includes: Includes,
    /// Database tables replaced.
    pub(crate) tables: Vec<String>,
    /// Extensions in the restored configuration.
    pub(crate) extensions: u64,
    /// How the configuration was taken into use: always `live` (no restart).
    #[schema(example = "live")]
    pub(crate) applied: &'static str,
}

/// Check `archive` completely, then replace the configuration (and the folders the backup
/// holds) with its contents; see the module docs. Blocking.
pub(crate) fn restore(
    store: &Mutex<Store>,
    backend: &dyn Backend,
    data_dir: &Path,
    archive_path: &Path,
    audit: &AuditEntry,
) -> Result<RestoreReport, BackupError> {
    let work = TempDir::new(data_dir, ".restore")?;
    let unpacked = work.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).map_err(|e| BackupError::io("unpacking", e))?;
    let (manifest, info) = archive::extract_and_check(archive_path, &unpacked)?;

    // Folders: move the live ones aside and the restored ones in; undone on failure.
    let aside = work.path().join("replaced");
    std::fs::create_dir_all(&aside).map_err(|e| BackupError::io("restoring", e))?;
    let mut swapped: Vec<&str> = Vec::new();
    let mut swap = || -> Result<(), BackupError> {
        for (folder, part) in archive::FOLDERS {
            if !manifest.includes.has(*part) {
                continue;
            }
            let live = data_dir.join(folder);
            let restored = unpacked.join(folder);
            if !restored.exists() {
                std::fs::create_dir_all(&restored).map_err(|e| BackupError::io("restoring", e))?;
            }
            if live.exists() {
                std::fs::rename(&live, aside.join(folder))
                    .map_err(|e| BackupError::io("moving a folder aside", e))?;
            }
            swapped.push(folder);
            std::fs::rename(&restored, &live)
                .map_err(|e| BackupError::io("moving a restored folder in", e))?;
        }
        Ok(())
    };
    let swapped_result = swap();
    let db_result = swapped_result.and_then(|()| {
        let mut guard = store
            .lock()
            .map_err(|_| BackupError::internal("store lock poisoned"))?;
        let mut entry = audit.clone();
        entry.fields = serde_json::json!({
            "created_at": manifest.created_at,
            "version": manifest.version,
            "schema_version": manifest.schema_version,
            "includes": manifest.includes,
        })
        .to_string();
        let tables = guard
            .import_database(
                &unpacked.join(archive::DATABASE),
                manifest.includes.cdr,
                &entry,
            )
            .map_err(BackupError::internal)?;
        let config = guard.load_config().map_err(BackupError::internal)?;
        backend.config_changed(Arc::new(config));
        Ok(tables)
    });
    let tables = match db_result {
        Ok(t) => t,
        Err(e) => {
            // Put the live folders back the way they were.
            for folder in swapped.iter().rev() {
                let live = data_dir.join(folder);
                let _ = std::fs::rename(&live, unpacked.join(folder));
                let _ = std::fs::rename(aside.join(folder), &live);
            }
            return Err(e);
        }
    };
    Ok(RestoreReport {
        created_at: manifest.created_at,
        version: manifest.version,
        schema_version_found: info.found_version,
        schema_version: info.version,
        includes: manifest.includes,
        tables,
        extensions: info.extensions,
        applied: "live",
    })
}

/// Delete the oldest automatic backups beyond `keep`.
pub(crate) fn prune_automatic(data_dir: &Path, keep: usize) -> Result<(), BackupError> {
    let autos: Vec<BackupInfo> = list_backups(data_dir)?
        .into_iter()
        .filter(|b| b.automatic)
        .collect();
    for old in autos.iter().skip(keep) {
        delete_backup(data_dir, &old.name)?;
        tracing::info!(backup = %old.name, "old automatic backup deleted");
    }
    Ok(())
}

/// The automatic backup loop: checks once a minute whether `auto_backup_hours` have passed
/// since the newest automatic backup, makes one, and keeps `auto_backup_keep` of them.
pub(crate) fn spawn_schedule(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = scheduled_backup(&state).await {
                tracing::warn!(error = %e, "automatic backup failed");
            }
        }
    });
}

/// One check of the schedule.
async fn scheduled_backup(state: &AppState) -> Result<(), BackupError> {
    let settings = state.system_settings();
    if settings.auto_backup_hours == 0 {
        return Ok(());
    }
    let Some(data_dir) = state.backend.data_dir() else {
        return Ok(());
    };
    let dir = data_dir.clone();
    let newest = tokio::task::spawn_blocking(move || newest_automatic(&dir))
        .await
        .map_err(BackupError::internal)??;
    let due = newest
        .is_none_or(|age| age >= Duration::from_secs(u64::from(settings.auto_backup_hours) * 3600));
    if !due {
        return Ok(());
    }
    let opts = BackupOptions {
        recordings: settings.auto_backup_recordings,
        cdr: settings.auto_backup_cdr,
    };
    let store = Arc::clone(&state.store);
    let _busy = state.backups.busy.lock().await;
    let dir = data_dir.clone();
    let keep = settings.auto_backup_keep.max(1) as usize;
    tokio::task::spawn_blocking(move || {
        let info = create_backup(&store, &dir, opts, true, &|_, _| {})?;
        tracing::info!(backup = %info.name, "automatic backup written");
        prune_automatic(&dir, keep)
    })
    .await
    .map_err(BackupError::internal)?
}

/// Age of the newest automatic backup (by file time), if any.
fn newest_automatic(data_dir: &Path) -> Result<Option<Duration>, BackupError> {
    let dir = data_dir.join(BACKUP_DIR);
    let newest = list_backups(data_dir)?
        .into_iter()
        .filter(|b| b.automatic)
        .filter_map(|b| std::fs::metadata(dir.join(&b.name)).ok()?.modified().ok())
        .max();
    Ok(newest.map(|t| t.elapsed().unwrap_or_default()))
}

/// A scratch folder inside `parent` (same file system, so renames are atomic), removed on
/// drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(parent: &Path, prefix: &str) -> Result<TempDir, BackupError> {
        let mut bytes = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let path = parent.join(format!("{prefix}-{}", hex::encode(bytes)));
        std::fs::create_dir_all(&path).map_err(|e| BackupError::io("creating a work folder", e))?;
        Ok(TempDir(path))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_automatic_backups_and_every_manual_one() {
        let tmp = std::env::temp_dir().join(format!("rotary-prune-{}", std::process::id()));
        let dir = tmp.join(BACKUP_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let names = [
            "rotary-backup-0.1.0-20250101-000000-auto.tar.gz",
            "rotary-backup-0.1.0-20250102-000000-auto.tar.gz",
            "rotary-backup-0.1.0-20250103-000000-auto.tar.gz",
            "rotary-backup-0.1.0-20250104-000000.tar.gz",
            "rotary-backup-0.1.0-20250105-000000-auto.tar.gz",
        ];
        for n in names {
            std::fs::write(dir.join(n), b"x").unwrap();
        }
        std::fs::write(dir.join("notes.txt"), b"not a backup").unwrap();
        prune_automatic(&tmp, 2).unwrap();
        let left: Vec<String> = list_backups(&tmp)
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(left, [names[4], names[3], names[2]]);
        assert!(dir.join("notes.txt").exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn only_our_names_are_backup_names() {
        assert!(is_backup_name("rotary-backup-0.1.0-20250101-000000.tar.gz"));
        for bad in [
            "../rotary.db",
            "rotary-backup-x/../../a.tar.gz",
            "x.tar.gz",
            "rotary-backup-a.zip",
        ] {
            assert!(!is_backup_name(bad), "{bad}");
        }
    }
}
