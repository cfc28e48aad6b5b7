//! `pbxctl`: the operator's command-line client for the Rotary REST API.
//!
//! Every subcommand is one (or a few) HTTP requests to `pbxd`'s `/api/v1`, sent with HTTP Basic
//! auth. Output is an aligned table for people, or the API's raw JSON with `--json`.
//!
//! Exit status (the contract in `interface.md`): 0 on success, 1 when the API answers with an
//! error or cannot be reached (the message goes to stderr), 2 on a usage error (clap's default).
//!
//! It depends on no Rotary crate: it speaks only the documented JSON, so it keeps working against
//! any `pbxd` that honours the interface.

mod backup;
mod cli;
mod client;
mod ops;
mod output;
mod routing;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{CdrCommand, Cli, Command, ExtensionCommand, SettingsCommand};
use crate::client::{CliError, Client};
use crate::output::Out;

fn main() -> ExitCode {
    // Usage errors exit with 2 and `--help` with 0, both printed by clap itself.
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Execute the parsed command line; every failure becomes one stderr line and exit status 1.
fn run(cli: &Cli) -> Result<(), CliError> {
    let client = Client::new(
        &cli.url,
        &cli.user,
        cli.password.as_deref(),
        cli.cacert.as_deref(),
    )?;
    let mut out = Out::new(cli.json);
    match &cli.command {
        Command::Extension { command } => extension(&client, &mut out, command),
        Command::Registrations { extension } => {
            let mut query = Vec::new();
            if let Some(ext) = extension {
                query.push(("extension", ext.clone()));
            }
            let value = client.get_json("/api/v1/registrations", &query)?;
            out.table(&value, output::REGISTRATION_COLUMNS)
        }
        Command::Cdr { command } => cdr(&client, &mut out, command),
        Command::Settings { command } => settings(&client, &mut out, command),
        Command::Trunk { command } => routing::trunk(&client, &mut out, command),
        Command::Route { command } => routing::route(&client, &mut out, command),
        Command::Backup { command } => backup::backup(&client, &mut out, command),
        Command::Call { command } => ops::call(&client, &mut out, command),
        Command::Config { command } => ops::config(&client, &mut out, command),
        Command::Health => {
            let value = client.health()?;
            out.status(&value)
        }
    }
}

/// `pbxctl extension …`
fn extension(client: &Client, out: &mut Out, command: &ExtensionCommand) -> Result<(), CliError> {
    match command {
        ExtensionCommand::Add(args) => {
            let body = args.to_body();
            let value = client.send_json("POST", "/api/v1/extensions", &body)?;
            out.record(&value, output::EXTENSION_COLUMNS)
        }
        ExtensionCommand::List => {
            let value = client.get_json("/api/v1/extensions", &[])?;
            out.table(&value, output::EXTENSION_COLUMNS)
        }
        ExtensionCommand::Show { number } => {
            let value = client.get_json(&extension_path(number), &[])?;
            out.record(&value, output::EXTENSION_COLUMNS)
        }
        ExtensionCommand::Delete { number } => {
            client.delete(&extension_path(number))?;
            out.message(&format!("extension {number} deleted"))
        }
        ExtensionCommand::Set(args) => {
            let body = args.to_body();
            let value = client.send_json("PATCH", &extension_path(&args.number), &body)?;
            out.record(&value, output::EXTENSION_COLUMNS)
        }
    }
}

/// `pbxctl settings …`
fn settings(client: &Client, out: &mut Out, command: &SettingsCommand) -> Result<(), CliError> {
    let value = match command {
        SettingsCommand::Show => client.get_json("/api/v1/settings", &[])?,
        SettingsCommand::Set { assignments } => {
            let body = cli::settings_body(assignments);
            client.send_json("PATCH", "/api/v1/settings", &body)?
        }
    };
    out.record(&value, output::SETTINGS_COLUMNS)
}

/// `pbxctl cdr …`
fn cdr(client: &Client, out: &mut Out, command: &CdrCommand) -> Result<(), CliError> {
    match command {
        CdrCommand::List(filter) => {
            let value = client.get_json("/api/v1/cdr", &filter.query())?;
            out.table(&value, output::CDR_COLUMNS)
        }
        CdrCommand::Export(export) => {
            let mut query = Vec::new();
            if let Some(from) = &export.from {
                query.push(("from", from.clone()));
            }
            if let Some(to) = &export.to {
                query.push(("to", to.clone()));
            }
            match &export.output {
                Some(path) => {
                    let file = std::fs::File::create(path).map_err(|e| {
                        CliError::Local(format!("cannot create {}: {e}", path.display()))
                    })?;
                    let mut file = std::io::BufWriter::new(file);
                    client.download("/api/v1/cdr.csv", &query, &mut file)?;
                    file.flush().map_err(|e| {
                        CliError::Local(format!("cannot write {}: {e}", path.display()))
                    })
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    client.download("/api/v1/cdr.csv", &query, &mut stdout)?;
                    stdout.flush().map_err(|e| CliError::Local(e.to_string()))
                }
            }
        }
    }
}

/// The resource path of one extension, with the number percent-encoded as a path segment.
fn extension_path(number: &str) -> String {
    format!("/api/v1/extensions/{}", client::encode_segment(number))
}
