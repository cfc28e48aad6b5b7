//! `cargo xtask`: project automation that needs real peers and whole binaries.
//!
//! - `cargo xtask bench reg [--aors N] [--rates a,b,c]`: SIPp digest REGISTER storm
//!   against pbxd and, in the same run, against Kamailio as a digest registrar; prints
//!   registrations/s at zero failures, CPU-µs per registration, memory per binding, ratios.
//! - `cargo xtask bench calls`: SIPp caller → pbxd → SIPp callee beside Kamailio as a
//!   stateful proxy on the same traffic: calls/s at zero failures and CPU-µs per call.
//! - `cargo xtask deps`: the dependency-direction rule of architecture.md (sans-IO crates
//!   pull in no I/O crate and read no clock).
//! - `cargo xtask bench relay`: N concurrent G.711 calls through the RTP relay beside a
//!   minimal forwarder measured in the same run.
//! - `cargo xtask bench media [--calls 40,80]`: G.711↔Opus and G.711↔G.722 transcoded
//!   calls per core beside the raw codec floor, mixer cost per party (64 parties) and
//!   DTMF detector cost per channel, each as a ratio to a floor from the same run.
//! - `cargo xtask bench api [--extensions 1000] [--cdr 500000]`: the admin API's
//!   answer time for each page's data on a full box beside the SQL that reads the same
//!   rows (goal: under 100 ms).
//! - `cargo xtask sounds [--force]`: the English system prompts of `sounds/prompts.txt`
//!   into `sounds/en/` (espeak-ng + sox, only changed texts) and a default
//!   music-on-hold track; see `sounds/README.md`.

#![allow(clippy::print_stdout)] // a CLI: printing the report is its job

mod bench_api;
mod bench_calls;
mod bench_media;
mod bench_reg;
mod bench_relay;
mod deps;
mod harness;
mod proc;
mod sounds;

use anyhow::{bail, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["bench", "reg", rest @ ..] => bench_reg::run(rest),
        ["bench", "calls", rest @ ..] => bench_calls::run(rest),
        ["bench", "relay", rest @ ..] => bench_relay::run(rest),
        ["bench", "media", rest @ ..] => bench_media::run(rest),
        ["bench", "api", rest @ ..] => bench_api::run(rest),
        ["deps"] => deps::run(),
        ["sounds", rest @ ..] => sounds::run(rest),
        ["bench", ..] | [] | ["help"] | ["--help"] => {
            println!(
                "usage: cargo xtask bench reg|calls|relay|media|api [options]  (see xtask/src/bench_*.rs)"
            );
            Ok(())
        }
        other => bail!("unknown xtask command {other:?}; try `cargo xtask help`"),
    }
}
