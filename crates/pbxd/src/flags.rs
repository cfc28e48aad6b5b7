//! Command-line flags and their environment variables, exactly as interface.md lists
//! them. A usage error is one line on stderr and exit status 2.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// pbxd: the Rotary IP-PBX daemon.
#[derive(Debug, Parser)]
#[command(name = "pbxd", version, about)]
struct Cli {
    /// SQLite database, recordings, voicemail, prompts, backups, TLS keys.
    #[arg(
        long,
        env = "PBX_DATA_DIR",
        default_value = "./rotary-data",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
    /// SIP over UDP and TCP on this address and port.
    #[arg(
        long,
        env = "PBX_SIP_BIND",
        default_value = "0.0.0.0:5060",
        value_name = "ADDR:PORT"
    )]
    sip_bind: SocketAddr,
    /// Admin web GUI, REST API, WebSocket events, /metrics, /healthz.
    #[arg(
        long,
        env = "PBX_HTTP_BIND",
        default_value = "0.0.0.0:8080",
        value_name = "ADDR:PORT"
    )]
    http_bind: SocketAddr,
    /// Also serve the GUI and API over HTTPS here (certificate in DATA_DIR/tls, self-signed
    /// on first start); plain HTTP then redirects to it unless the system setting
    /// http_redirect is off. Without this flag the system setting https_bind is used.
    #[arg(long, env = "PBX_HTTPS_BIND", value_name = "ADDR:PORT")]
    https_bind: Option<SocketAddr>,
    /// Inclusive UDP port range for media.
    #[arg(long, env = "PBX_RTP_PORTS", default_value = "10000-20000", value_name = "LOW-HIGH", value_parser = parse_port_range)]
    rtp_ports: (u16, u16),
    /// error, warn, info, debug or trace (RUST_LOG overrides).
    #[arg(long, env = "PBX_LOG_LEVEL", default_value = "info", value_parser = ["error", "warn", "info", "debug", "trace"])]
    log_level: String,
    /// Log line format.
    #[arg(long, env = "PBX_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
}

/// Validated flags.
#[derive(Debug)]
pub(crate) struct Flags {
    pub(crate) data_dir: PathBuf,
    pub(crate) sip_bind: SocketAddr,
    pub(crate) http_bind: SocketAddr,
    pub(crate) https_bind: Option<SocketAddr>,
    pub(crate) rtp_ports: (u16, u16),
    pub(crate) log_level: String,
    pub(crate) json_logs: bool,
}

/// Parse argv; on `--help`/`--version` print and exit 0, on error print one line, exit 2.
pub(crate) fn parse() -> Result<Flags, ExitCode> {
    match Cli::try_parse() {
        Ok(c) => Ok(Flags {
            data_dir: c.data_dir,
            sip_bind: c.sip_bind,
            http_bind: c.http_bind,
            https_bind: c.https_bind,
            rtp_ports: c.rtp_ports,
            log_level: c.log_level,
            json_logs: c.log_format == "json",
        }),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            let _ = writeln!(std::io::stderr(), "pbxd: {first}");
            Err(ExitCode::from(2))
        }
    }
}

fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or("expected LOW-HIGH, e.g. 10000-20000")?;
    let lo: u16 = lo
        .trim()
        .parse()
        .map_err(|_| format!("bad low port {lo:?}"))?;
    let hi: u16 = hi
        .trim()
        .parse()
        .map_err(|_| format!("bad high port {hi:?}"))?;
    if lo == 0 || lo > hi {
        return Err("LOW must be 1..=HIGH".into());
    }
    if u32::from(hi) - u32::from(lo) < 3 {
        return Err("the range must hold at least 4 ports".into());
    }
    Ok((lo, hi))
}
