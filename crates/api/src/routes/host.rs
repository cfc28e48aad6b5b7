//! `GET /api/v1/system`: the box itself for the dashboard: version, uptime, CPU, memory and
//! the data disk. Read from `/proc` and `statvfs` on each request (microseconds); CPU use is
//! the busy share since the previous request (since boot on the first).

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// The box's state as the dashboard shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct HostStatus {
    /// pbxd's version.
    #[schema(example = "0.1.0")]
    version: String,
    /// Seconds since pbxd started.
    uptime_seconds: u64,
    /// Share of all CPUs busy since the previous sample, 0–100.
    #[schema(example = 12.5)]
    cpu_percent: f64,
    /// CPUs the kernel sees.
    cpus: usize,
    /// The kernel's 1, 5 and 15 minute load averages.
    load_average: [f64; 3],
    /// Memory of the box and of pbxd.
    memory: MemoryStatus,
    /// The file system holding the data directory.
    disk: DiskStatus,
}

/// Memory figures in bytes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct MemoryStatus {
    /// RAM of the box.
    total_bytes: u64,
    /// RAM available to new work without swapping (`MemAvailable`).
    available_bytes: u64,
    /// pbxd's resident set.
    process_rss_bytes: u64,
}

/// Disk figures of the data directory's file system.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct DiskStatus {
    /// The data directory.
    path: String,
    /// Size of the file system.
    total_bytes: u64,
    /// Space an unprivileged writer may still use.
    available_bytes: u64,
}

/// The box's CPU, memory and disk.
#[utoipa::path(
    operation_id = "get_system_status",
    get, path = "/api/v1/system", tag = "system",
    responses(
        (status = 200, description = "Version, uptime, CPU, memory and disk", body = HostStatus),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<HostStatus>, ApiError> {
    caller.require_staff()?;
    let data_dir = state.backend.data_dir().unwrap_or_else(|| ".".into());
    let (total, available) = disk_space(&data_dir);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    Ok(Json(HostStatus {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_seconds: started().elapsed().as_secs(),
        cpu_percent: cpu_percent(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average: load_average(&std::fs::read_to_string("/proc/loadavg").unwrap_or_default()),
        memory: MemoryStatus {
            total_bytes: kib_field(&meminfo, "MemTotal:") * 1024,
            available_bytes: kib_field(&meminfo, "MemAvailable:") * 1024,
            process_rss_bytes: kib_field(&status, "VmRSS:") * 1024,
        },
        disk: DiskStatus {
            path: data_dir.display().to_string(),
            total_bytes: total,
            available_bytes: available,
        },
    }))
}

/// When pbxd started (first touched when the router is built).
pub(crate) fn started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// `(busy, total)` jiffies of the previous sample.
static LAST_CPU: Mutex<Option<(u64, u64)>> = Mutex::new(None);

/// Busy share of all CPUs since the last call, from the `cpu` line of `/proc/stat`.
fn cpu_percent() -> f64 {
    let Some(now) = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| cpu_jiffies(&s))
    else {
        return 0.0;
    };
    let mut last = LAST_CPU.lock().unwrap_or_else(|p| p.into_inner());
    let prev = last.replace(now);
    // The first request compares with boot (all counters zero).
    let (busy0, total0) = prev.unwrap_or((0, 0));
    if now.1 <= total0 {
        return 0.0;
    }
    let busy = now.0.saturating_sub(busy0) as f64;
    let total = (now.1 - total0) as f64;
    ((busy / total) * 1000.0).round() / 10.0
}

/// `(busy, total)` jiffies from `/proc/stat` text: idle and iowait are not busy.
fn cpu_jiffies(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    if fields.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// The three load averages of `/proc/loadavg` text (zeros when unreadable).
fn load_average(text: &str) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (slot, v) in out.iter_mut().zip(text.split_whitespace()) {
        *slot = v.parse().unwrap_or(0.0);
    }
    out
}

/// A `Name:   1234 kB` field of `/proc/meminfo` or `/proc/self/status`, in KiB.
fn kib_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `(total, available)` bytes of the file system holding `path`; zeros when it cannot be
/// asked.
fn disk_space(path: &std::path::Path) -> (u64, u64) {
    match nix::sys::statvfs::statvfs(path) {
        Ok(s) => {
            let unit = s.fragment_size();
            (
                s.blocks().saturating_mul(unit),
                s.blocks_available().saturating_mul(unit),
            )
        }
        Err(_) => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_line_splits_busy_from_idle() {
        let stat = "cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(cpu_jiffies(stat), Some((155, 1000)));
        assert_eq!(cpu_jiffies("intr 1 2\n"), None);
        assert_eq!(cpu_jiffies("cpu  1 2\n"), None);
    }

    #[test]
    fn proc_fields_parse_and_default_to_zero() {
        let mem = "MemTotal:       24000000 kB\nMemAvailable:   12000000 kB\n";
        assert_eq!(kib_field(mem, "MemTotal:"), 24_000_000);
        assert_eq!(kib_field(mem, "MemAvailable:"), 12_000_000);
        assert_eq!(kib_field(mem, "SwapTotal:"), 0);
        assert_eq!(
            load_average("0.52 0.40 0.33 2/300 12345\n"),
            [0.52, 0.40, 0.33]
        );
        assert_eq!(load_average(""), [0.0; 3]);
    }

    #[test]
    fn the_data_disk_has_a_size() {
        let (total, available) = disk_space(std::path::Path::new("/"));
        assert!(total > 0 && available <= total);
    }
}
