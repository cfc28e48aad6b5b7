//! Plain 16-bit PCM WAV plumbing shared by prompts and recordings: the 44-byte header,
//! durable writes (temp name, fsync, rename) and repairing the header of a file whose
//! writer died before patching it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::SoundError;

/// Length of the canonical header written by [`header`].
pub(crate) const HEADER_LEN: u64 = 44;

/// The canonical 44-byte RIFF/WAVE header for 16-bit PCM with `data_len` bytes of
/// samples. Sizes past 4 GiB saturate (a reader then trusts the file length).
pub(crate) fn header(channels: u16, rate: u32, data_len: u64) -> [u8; 44] {
    let data = u32::try_from(data_len).unwrap_or(u32::MAX - 36);
    let block_align = channels * 2;
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data.saturating_add(36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // WAVE_FORMAT_PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data.to_le_bytes());
    h
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the complete
/// new one: a hidden temp file in the same folder, fsync, rename, fsync of the folder.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SoundError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp"));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(SoundError::io(path, e));
    }
    sync_dir(dir);
    Ok(())
}

/// Makes a rename or create in `dir` durable. Best effort: some filesystems refuse to
/// open folders for syncing, and the data itself is already synced.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Repairs the sizes in the header of a 16-bit PCM WAV whose writer stopped before
/// patching them (a killed process): the data chunk is taken to run to the end of the
/// file, cut to whole sample frames. Returns the number of data bytes kept, or `None`
/// when the file is too short or not a WAV this module wrote (then it is left alone).
pub(crate) fn repair_header(path: &Path) -> Result<Option<u64>, SoundError> {
    let io = |e| SoundError::io(path, e);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len < HEADER_LEN {
        return Ok(None);
    }
    let mut h = [0u8; 44];
    f.read_exact(&mut h).map_err(io)?;
    if &h[0..4] != b"RIFF" || &h[8..12] != b"WAVE" || &h[12..16] != b"fmt " {
        return Ok(None);
    }
    if &h[36..40] != b"data" {
        return Ok(None);
    }
    let block_align = u64::from(u16::from_le_bytes([h[32], h[33]])).max(1);
    let data_len = (len - HEADER_LEN) / block_align * block_align;
    let data = u32::try_from(data_len).unwrap_or(u32::MAX - 36);
    f.set_len(HEADER_LEN + data_len).map_err(io)?;
    f.seek(SeekFrom::Start(4)).map_err(io)?;
    f.write_all(&data.saturating_add(36).to_le_bytes())
        .map_err(io)?;
    f.seek(SeekFrom::Start(40)).map_err(io)?;
    f.write_all(&data.to_le_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(Some(data_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_hound_reader() {
        let mut bytes = header(2, 16_000, 8).to_vec();
        bytes.extend_from_slice(&[1, 0, 2, 0, 3, 0, 4, 0]);
        let r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        let spec = r.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 16_000, 16)
        );
        let s: Vec<i16> = r.into_samples().map(Result::unwrap).collect();
        assert_eq!(s, [1, 2, 3, 4]);
    }
}
