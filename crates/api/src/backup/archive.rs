//! The backup archive: one `.tar.gz` holding the configuration database, the sound and
//! voicemail folders (and optionally recordings), with `manifest.json` as its last entry.
//!
//! ```text
//! rotary.db                    SQLite snapshot (online backup API; no registrations,
//!                              call records only when asked for)
//! prompts/…  moh/…             custom prompts and music on hold, if present
//! voicemail/…                  voicemail, if present
//! recordings/…                 call recordings, when asked for
//! manifest.json                format, pbxd version, schema version, time, what is
//!                              included, size and SHA-256 of every file above
//! ```
//!
//! Reading ([`extract_and_check`]) never trusts the archive: only plain files and folders
//! with relative paths, bounded counts and sizes, every file listed in the manifest with a
//! matching checksum, the database readable and migrated to this build's schema. Only then
//! does [`super::restore`] replace anything.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::BackupError;

/// The archive layout version this build writes and reads.
pub(crate) const FORMAT: u32 = 1;
/// The manifest's name inside the archive.
pub(crate) const MANIFEST: &str = "manifest.json";
/// The database's name inside the archive (and in the data dir).
pub(crate) const DATABASE: &str = rotary_store::DB_FILE_NAME;
/// Folders of the data dir a backup may carry, with the `includes` flag that selects them.
pub(crate) const FOLDERS: &[(&str, Part)] = &[
    ("prompts", Part::Prompts),
    ("moh", Part::Prompts),
    ("voicemail", Part::Voicemail),
    ("recordings", Part::Recordings),
];
/// Most entries an archive may have.
const MAX_ENTRIES: usize = 200_000;
/// Largest total size of the files an archive may unpack to (64 GiB).
const MAX_UNPACKED: u64 = 64 << 30;

/// What a backup holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Includes {
    /// The configuration database (always).
    pub(crate) config: bool,
    /// Custom prompts and music on hold.
    pub(crate) prompts: bool,
    /// Voicemail.
    pub(crate) voicemail: bool,
    /// Call recordings.
    pub(crate) recordings: bool,
    /// Call records (rows of the database).
    pub(crate) cdr: bool,
}

/// Which [`Includes`] flag selects a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// `prompts`, `moh`.
    Prompts,
    /// `voicemail`.
    Voicemail,
    /// `recordings`.
    Recordings,
}

impl Includes {
    /// Whether folders of `part` are in the backup.
    pub(crate) fn has(&self, part: Part) -> bool {
        match part {
            Part::Prompts => self.prompts,
            Part::Voicemail => self.voicemail,
            Part::Recordings => self.recordings,
        }
    }
}

/// One file of the archive as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct FileEntry {
    /// Path inside the archive, `/`-separated.
    pub(crate) path: String,
    /// Size in bytes.
    pub(crate) size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub(crate) sha256: String,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Manifest {
    /// Archive layout version ([`FORMAT`]).
    pub(crate) format: u32,
    /// Always `rotary`.
    pub(crate) product: String,
    /// pbxd version that wrote it.
    pub(crate) version: String,
    /// Database schema version of `rotary.db`.
    pub(crate) schema_version: u32,
    /// When it was made, RFC 3339 UTC.
    pub(crate) created_at: String,
    /// What it holds.
    pub(crate) includes: Includes,
    /// Every file with its checksum.
    pub(crate) files: Vec<FileEntry>,
}

/// Write an archive to `out` from the database snapshot `db` and the chosen folders of
/// `data_dir`. `progress(files_done, bytes_done)` is called after each file.
pub(crate) fn write_archive(
    out: &Path,
    db: &Path,
    data_dir: &Path,
    mut manifest: Manifest,
    progress: &dyn Fn(u64, u64),
) -> Result<Manifest, BackupError> {
    let mut sources: Vec<(String, PathBuf)> = vec![(DATABASE.to_owned(), db.to_owned())];
    for (folder, part) in FOLDERS {
        if manifest.includes.has(*part) {
            collect_files(&data_dir.join(folder), folder, &mut sources)?;
        }
    }
    let file = File::create(out).map_err(|e| BackupError::io("creating the archive", e))?;
    let gz = GzEncoder::new(BufWriter::new(file), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let (mut files_done, mut bytes_done) = (0u64, 0u64);
    for (name, path) in &sources {
        let Some(entry) = append_file(&mut tar, name, path)? else {
            continue; // vanished meanwhile (a voicemail deleted): not part of the backup
        };
        files_done += 1;
        bytes_done += entry.size;
        manifest.files.push(entry);
        progress(files_done, bytes_done);
    }
    let body = serde_json::to_vec_pretty(&manifest).map_err(BackupError::internal)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, MANIFEST, body.as_slice())
        .map_err(|e| BackupError::io("writing the manifest", e))?;
    let gz = tar
        .into_inner()
        .map_err(|e| BackupError::io("finishing the archive", e))?;
    let buf = gz
        .finish()
        .map_err(|e| BackupError::io("finishing the archive", e))?;
    let file = buf
        .into_inner()
        .map_err(|e| BackupError::io("finishing the archive", e.into_error()))?;
    file.sync_all()
        .map_err(|e| BackupError::io("flushing the archive", e))?;
    Ok(manifest)
}

/// Unpack `archive` into the empty folder `dest` and check it completely: layout, manifest,
/// every checksum, and the database (migrated in place to this build's schema).
pub(crate) fn extract_and_check(
    archive: &Path,
    dest: &Path,
) -> Result<(Manifest, rotary_store::DatabaseInfo), BackupError> {
    let file = File::open(archive).map_err(|e| BackupError::io("opening the upload", e))?;
    let mut tar = tar::Archive::new(GzDecoder::new(io::BufReader::new(file)));
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut total = 0u64;
    let entries = tar
        .entries()
        .map_err(|e| invalid(format!("unreadable ({e})")))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(invalid(format!("more than {MAX_ENTRIES} entries")));
        }
        let mut entry = entry.map_err(|e| invalid(format!("damaged archive ({e})")))?;
        let raw = entry
            .path()
            .map_err(|e| invalid(format!("bad entry name ({e})")))?
            .into_owned();
        let rel = clean_path(&raw)
            .ok_or_else(|| invalid(format!("entry {} leaves the archive folder", raw.display())))?;
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(dest.join(&rel))
                    .map_err(|e| BackupError::io("unpacking", e))?;
                continue;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            other => {
                return Err(invalid(format!(
                    "entry {} is a {other:?}, not a plain file",
                    rel.display()
                )))
            }
        }
        let name = rel.to_string_lossy().replace('\\', "/");
        if name == MANIFEST {
            let mut body = Vec::new();
            entry
                .by_ref()
                .take(1 << 24)
                .read_to_end(&mut body)
                .map_err(|e| invalid(format!("damaged manifest ({e})")))?;
            manifest_bytes = Some(body);
            continue;
        }
        if seen.contains_key(&name) {
            return Err(invalid(format!("entry {name} appears twice")));
        }
        let path = dest.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| BackupError::io("unpacking", e))?;
        }
        let mut out =
            BufWriter::new(File::create(&path).map_err(|e| BackupError::io("unpacking", e))?);
        let mut hashing = Hashing::new(&mut entry);
        let size = io::copy(&mut hashing, &mut out)
            .map_err(|e| invalid(format!("damaged entry {name} ({e})")))?;
        out.flush().map_err(|e| BackupError::io("unpacking", e))?;
        total += size;
        if total > MAX_UNPACKED {
            return Err(invalid("unpacks to more than 64 GiB".into()));
        }
        seen.insert(name, (size, hashing.hex()));
    }
    // Read the compressed stream to its end so gzip checks its CRC: damage after the
    // last entry (in the end-of-archive padding) is damage too.
    io::copy(&mut tar.into_inner(), &mut io::sink())
        .map_err(|e| invalid(format!("damaged archive ({e})")))?;
    let body = manifest_bytes.ok_or_else(|| invalid("it has no manifest.json".into()))?;
    let manifest: Manifest = serde_json::from_slice(&body)
        .map_err(|e| invalid(format!("manifest.json is unreadable ({e})")))?;
    check_manifest(&manifest, &seen)?;
    let info = rotary_store::inspect_database(dest).map_err(|e| match e {
        rotary_store::StoreError::SchemaTooNew { found, supported } => invalid(format!(
            "it was made by a newer pbxd (schema {found}; this one supports {supported})"
        )),
        other => invalid(format!("its database is unusable ({other})")),
    })?;
    Ok((manifest, info))
}

/// Read only the manifest of an archive (for listing uploads).
fn check_manifest(
    manifest: &Manifest,
    seen: &BTreeMap<String, (u64, String)>,
) -> Result<(), BackupError> {
    if manifest.product != "rotary" {
        return Err(invalid(format!(
            "manifest names product {:?}, not rotary",
            manifest.product
        )));
    }
    if manifest.format != FORMAT {
        return Err(invalid(format!(
            "archive format {} is not supported (this pbxd reads {FORMAT})",
            manifest.format
        )));
    }
    if usize::try_from(manifest.schema_version).map_or(true, |v| v > rotary_store::SCHEMA_VERSION) {
        return Err(invalid(format!(
            "it was made by a newer pbxd (schema {}; this one supports {})",
            manifest.schema_version,
            rotary_store::SCHEMA_VERSION
        )));
    }
    if !manifest.files.iter().any(|f| f.path == DATABASE) {
        return Err(invalid("the manifest lists no rotary.db".into()));
    }
    for f in &manifest.files {
        match seen.get(&f.path) {
            None => return Err(invalid(format!("{} is missing", f.path))),
            Some((size, sha)) if *size != f.size || !sha.eq_ignore_ascii_case(&f.sha256) => {
                return Err(invalid(format!(
                    "{} does not match its checksum (damaged or altered)",
                    f.path
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen
        .keys()
        .find(|k| !manifest.files.iter().any(|f| &f.path == *k))
    {
        return Err(invalid(format!("{extra} is not listed in the manifest")));
    }
    Ok(())
}

/// Append one file, hashing it on the way. `None` when it disappeared before it was read.
fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    path: &Path,
) -> Result<Option<FileEntry>, BackupError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(BackupError::io("reading a file to back up", e)),
    };
    let size = file
        .metadata()
        .map_err(|e| BackupError::io("reading a file to back up", e))?
        .len();
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    let mut reader = Hashing::new(file.take(size));
    tar.append_data(&mut header, name, &mut reader)
        .map_err(|e| BackupError::io("writing the archive", e))?;
    if reader.count != size {
        // The file shrank while it was read: the entry would be damaged.
        return Err(BackupError::io(
            "writing the archive",
            io::Error::other(format!("{name} changed while it was backed up; try again")),
        ));
    }
    Ok(Some(FileEntry {
        path: name.to_owned(),
        size,
        sha256: reader.hex(),
    }))
}

/// Every regular file under `dir` (recursively, sorted), named `prefix/…`; symbolic links
/// and unfinished `.part` files are skipped. A missing folder adds nothing.
fn collect_files(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), BackupError> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(BackupError::io("listing files to back up", e)),
    };
    let mut entries: Vec<_> = read.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue; // not UTF-8: cannot be named in the manifest
        };
        let rel = format!("{prefix}/{name}");
        if kind.is_dir() {
            collect_files(&entry.path(), &rel, out)?;
        } else if kind.is_file() && !name.ends_with(".part") {
            out.push((rel, entry.path()));
        }
    }
    Ok(())
}

/// A relative path of plain components only (no `..`, no root, no prefix); `None` otherwise.
fn clean_path(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

fn invalid(reason: String) -> BackupError {
    BackupError::Invalid(format!("not a usable Rotary backup: {reason}"))
}

/// A reader that hashes and counts what passes through.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    count: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            count: 0,
        }
    }

    fn hex(&self) -> String {
        hex::encode(self.hash.clone().finalize())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}
