//! `pbxctl call list|hangup` (the calls in progress) and `pbxctl config export|import` (the
//! whole configuration as one JSON document, `GET|PUT /api/v1/config`).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use serde_json::Value;

use crate::client::{encode_segment, CliError, Client};
use crate::output::Out;

/// Columns of `call list`, in order.
const CALL_COLUMNS: &[&str] = &[
    "id",
    "caller",
    "callee",
    "state",
    "call_type",
    "trunk",
    "started_at",
    "answered_at",
];

/// `pbxctl call …`
#[derive(Debug, Subcommand)]
pub(crate) enum CallCommand {
    /// The calls in progress.
    List,
    /// Hang a call up (both parties get a BYE; a ringing call is cancelled).
    Hangup {
        /// Call id from `call list`, e.g. `call17`.
        id: String,
    },
}

/// `pbxctl config …`
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Write settings, extensions and routing as one JSON document (no secrets).
    Export {
        /// File to write; standard output when left out.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Replace the whole configuration from a document made by `config export`.
    Import {
        /// The JSON document.
        file: PathBuf,
    },
}

/// Run a `call` subcommand.
pub(crate) fn call(client: &Client, out: &mut Out, command: &CallCommand) -> Result<(), CliError> {
    match command {
        CallCommand::List => {
            let value = client.get_json("/api/v1/calls", &[])?;
            out.table(&value, CALL_COLUMNS)
        }
        CallCommand::Hangup { id } => {
            client.delete(&format!("/api/v1/calls/{}", encode_segment(id)))?;
            out.message(&format!("call {id} hung up"))
        }
    }
}

/// Run a `config` subcommand.
pub(crate) fn config(
    client: &Client,
    out: &mut Out,
    command: &ConfigCommand,
) -> Result<(), CliError> {
    match command {
        ConfigCommand::Export { output } => {
            let value = client.get_json("/api/v1/config", &[])?;
            let text =
                serde_json::to_string_pretty(&value).map_err(|e| CliError::Local(e.to_string()))?;
            match output {
                Some(path) => {
                    std::fs::write(path, format!("{text}\n"))
                        .map_err(|e| CliError::Local(format!("{}: {e}", path.display())))?;
                    out.message(&format!("configuration written to {}", path.display()))
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "{text}").map_err(|e| CliError::Local(e.to_string()))
                }
            }
        }
        ConfigCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::Local(format!("{}: {e}", file.display())))?;
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| CliError::Local(format!("{}: not JSON: {e}", file.display())))?;
            let stored = client.send_json("PUT", "/api/v1/config", &doc)?;
            let count = stored["extensions"].as_array().map_or(0, Vec::len);
            out.message(&format!(
                "configuration imported: {count} extensions, routing and settings replaced"
            ))
        }
    }
}
