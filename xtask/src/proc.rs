//! Reading CPU time and memory of processes from /proc, and spawning pinned children.

use std::path::Path;

use anyhow::{Context, Result};

/// Clock ticks per second used by /proc/<pid>/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SEC: u64 = 100;

/// utime + stime of one process in microseconds.
pub(crate) fn cpu_us(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
    let stime: u64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok((utime + stime) * 1_000_000 / TICKS_PER_SEC)
}

/// Sum of CPU time of a process and all its descendants (Kamailio forks workers).
pub(crate) fn tree_cpu_us(root: u32) -> Result<u64> {
    let mut total = cpu_us(root)?;
    for pid in descendants(root) {
        total += cpu_us(pid).unwrap_or(0);
    }
    Ok(total)
}

/// Resident set size in KiB of a process tree.
pub(crate) fn tree_rss_kib(root: u32) -> u64 {
    std::iter::once(root)
        .chain(descendants(root))
        .map(rss_kib)
        .sum()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) =
                std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat"))
            else {
                continue;
            };
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            if let Some(ppid) = rest
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u32>().ok())
            {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(c, pp) in &parent_of {
            if pp == p && !out.contains(&c) {
                out.push(c);
                frontier.push(c);
            }
        }
    }
    out
}
