//! `cargo xtask`: project automation that needs real peers and whole binaries.
//!
//! - `cargo xtask bench reg [--aors N] [--rates a,b,c]`: SIPp digest REGISTER storm
//!   against pbxd and, in the same run, against Kamailio as a digest registrar; prints
//!   registrations/s at zero failures, CPU-µs per registration, memory per binding, ratios.

#![allow(clippy::print_stdout)] // a CLI: printing the report is its job

mod bench_reg;
mod proc;

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
        ["bench", ..] | [] | ["help"] | ["--help"] => {
            println!("usage: cargo xtask bench reg [--aors N] [--rates R1,R2,...] [--seconds S]");
            Ok(())
        }
        other => bail!("unknown xtask command {other:?}; try `cargo xtask help`"),
    }
}
