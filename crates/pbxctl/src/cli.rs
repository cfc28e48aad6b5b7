//! The command line, declared with clap's derive API; parsing failures exit with status 2.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};
use serde_json::{json, Map, Value};

/// Operate a Rotary PBX through its REST API.
#[derive(Debug, Parser)]
#[command(name = "pbxctl", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// Base URL of pbxd's HTTP listener.
    #[arg(
        long,
        env = "PBX_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub(crate) url: String,
    /// API user name (HTTP Basic auth).
    #[arg(long, env = "PBX_USER", default_value = "admin", global = true)]
    pub(crate) user: String,
    /// API password (HTTP Basic auth).
    #[arg(long, env = "PBX_PASSWORD", hide_env_values = true, global = true)]
    pub(crate) password: Option<String>,
    /// PEM file of a certificate to trust for an `https://` URL, e.g. pbxd's self-signed
    /// `DATA_DIR/tls/cert.pem` (otherwise only the public web roots are trusted).
    #[arg(long, env = "PBX_CACERT", global = true)]
    pub(crate) cacert: Option<std::path::PathBuf>,
    /// Print the API's raw JSON instead of a table.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Top-level resources.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Manage extensions (SIP accounts).
    Extension {
        /// Extension action.
        #[command(subcommand)]
        command: ExtensionCommand,
    },
    /// List current SIP registrations.
    Registrations {
        /// Only this extension's registrations.
        #[arg(long)]
        extension: Option<String>,
    },
    /// Call detail records.
    Cdr {
        /// CDR action.
        #[command(subcommand)]
        command: CdrCommand,
    },
    /// Global PBX options (ring time, expiry limits, number ranges, …).
    Settings {
        /// Settings action.
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Check that pbxd is up and ready (GET /healthz, no auth).
    Health,
    /// Calls in progress: list them, hang one up.
    Call {
        /// Call action.
        #[command(subcommand)]
        command: crate::ops::CallCommand,
    },
    /// The whole configuration as one JSON document: export, import.
    Config {
        /// Config action.
        #[command(subcommand)]
        command: crate::ops::ConfigCommand,
    },
    /// Manage SIP trunks.
    Trunk {
        /// Trunk action.
        #[command(subcommand)]
        command: crate::routing::TrunkCommand,
    },
    /// Backups: create (with progress), list, download, restore, delete.
    Backup {
        /// Backup action.
        #[command(subcommand)]
        command: crate::backup::BackupCommand,
    },
    /// Outbound and inbound routes, and the route tracer.
    Route {
        /// Route action.
        #[command(subcommand)]
        command: crate::routing::RouteCommand,
    },
}

/// `pbxctl settings …`
#[derive(Debug, Subcommand)]
pub(crate) enum SettingsCommand {
    /// Show every setting.
    Show,
    /// Change settings (admin only), e.g. `settings set global_ring_time=45 call_waiting=false`.
    /// A value is read as JSON when it parses (numbers, true/false), else as text.
    Set {
        /// One or more KEY=VALUE pairs.
        #[arg(required = true, value_name = "KEY=VALUE", value_parser = parse_assignment)]
        assignments: Vec<(String, Value)>,
    },
}

/// Parse `KEY=VALUE`: the value as JSON when it parses (`45`, `false`, `"x"`), else as text
/// (`100-899`, `pbx.example`).
fn parse_assignment(arg: &str) -> Result<(String, Value), String> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(format!("expected KEY=VALUE, got {arg:?}"));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("missing the key in {arg:?}"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((key.to_owned(), value))
}

/// The JSON body of `PATCH /api/v1/settings` (a repeated key: the last one wins).
pub(crate) fn settings_body(assignments: &[(String, Value)]) -> Value {
    let body: Map<String, Value> = assignments.iter().cloned().collect();
    Value::Object(body)
}

/// `pbxctl extension …`
#[derive(Debug, Subcommand)]
pub(crate) enum ExtensionCommand {
    /// Create an extension.
    Add(AddArgs),
    /// List all extensions.
    List,
    /// Show one extension.
    Show {
        /// Extension number.
        number: String,
    },
    /// Delete an extension.
    Delete {
        /// Extension number.
        number: String,
    },
    /// Change some fields of an extension (PATCH).
    Set(SetArgs),
}

/// Fields of a new extension.
#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// Extension number (e.g. 101).
    pub(crate) number: String,
    /// SIP digest password.
    #[arg(long)]
    pub(crate) secret: String,
    #[command(flatten)]
    pub(crate) fields: FieldArgs,
}

/// Fields to change on an existing extension; at least one is required.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("change")
        .required(true)
        .multiple(true)
        .args(["secret", "name", "max_contacts", "permit", "codecs", "voicemail", "dtmf_mode", "nat", "record_calls"])
))]
pub(crate) struct SetArgs {
    /// Extension number.
    pub(crate) number: String,
    /// New SIP digest password.
    #[arg(long)]
    pub(crate) secret: Option<String>,
    #[command(flatten)]
    pub(crate) fields: FieldArgs,
}

/// Optional extension fields shared by `add` and `set`.
#[derive(Debug, Args)]
pub(crate) struct FieldArgs {
    /// Display name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Maximum simultaneous registrations (1–5).
    #[arg(long)]
    pub(crate) max_contacts: Option<u32>,
    /// Network allowed to register (CIDR); repeat for several.
    #[arg(long)]
    pub(crate) permit: Vec<String>,
    /// Codec preference, comma separated (e.g. PCMU,PCMA,opus).
    #[arg(long, value_delimiter = ',')]
    pub(crate) codecs: Vec<String>,
    /// Voicemail box on or off.
    #[arg(long)]
    pub(crate) voicemail: Option<bool>,
    /// DTMF mode (e.g. rfc4733, info, inband).
    #[arg(long)]
    pub(crate) dtmf_mode: Option<String>,
    /// NAT handling on or off.
    #[arg(long)]
    pub(crate) nat: Option<bool>,
    /// Record every answered call of this extension, on or off.
    #[arg(long)]
    pub(crate) record_calls: Option<bool>,
}

/// `pbxctl cdr …`
#[derive(Debug, Subcommand)]
pub(crate) enum CdrCommand {
    /// List call records as a table.
    List(CdrFilter),
    /// Download call records as CSV.
    Export(ExportArgs),
}

/// Filters for `cdr list`.
#[derive(Debug, Args)]
pub(crate) struct CdrFilter {
    /// Earliest call start (RFC 3339 or date, as the API accepts).
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// Latest call start.
    #[arg(long)]
    pub(crate) to: Option<String>,
    /// Only calls from or to this number.
    #[arg(long)]
    pub(crate) number: Option<String>,
    /// At most this many records.
    #[arg(long)]
    pub(crate) limit: Option<u32>,
}

/// Options for `cdr export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// Export as CSV (the only format; accepted for clarity in scripts).
    #[arg(long)]
    pub(crate) csv: bool,
    /// Earliest call start.
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// Latest call start.
    #[arg(long)]
    pub(crate) to: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub(crate) output: Option<PathBuf>,
}

impl AddArgs {
    /// The JSON body of `POST /api/v1/extensions`.
    pub(crate) fn to_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("number".into(), json!(self.number));
        body.insert("secret".into(), json!(self.secret));
        self.fields.fill(&mut body);
        Value::Object(body)
    }
}

impl SetArgs {
    /// The JSON body of `PATCH /api/v1/extensions/{number}`: only the given fields.
    pub(crate) fn to_body(&self) -> Value {
        let mut body = Map::new();
        if let Some(secret) = &self.secret {
            body.insert("secret".into(), json!(secret));
        }
        self.fields.fill(&mut body);
        Value::Object(body)
    }
}

impl FieldArgs {
    /// Add every field the user gave to `body`, leaving the rest to the server's defaults.
    fn fill(&self, body: &mut Map<String, Value>) {
        if let Some(name) = &self.name {
            body.insert("name".into(), json!(name));
        }
        if let Some(k) = self.max_contacts {
            body.insert("max_contacts".into(), json!(k));
        }
        if !self.permit.is_empty() {
            body.insert("permit".into(), json!(self.permit));
        }
        if !self.codecs.is_empty() {
            body.insert("codecs".into(), json!(self.codecs));
        }
        if let Some(v) = self.voicemail {
            body.insert("voicemail".into(), json!(v));
        }
        if let Some(mode) = &self.dtmf_mode {
            body.insert("dtmf_mode".into(), json!(mode));
        }
        if let Some(nat) = self.nat {
            body.insert("nat".into(), json!(nat));
        }
        if let Some(rec) = self.record_calls {
            body.insert("record_calls".into(), json!(rec));
        }
    }
}

impl CdrFilter {
    /// Query parameters for `GET /api/v1/cdr`.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(v) = &self.from {
            q.push(("from", v.clone()));
        }
        if let Some(v) = &self.to {
            q.push(("to", v.clone()));
        }
        if let Some(v) = &self.number {
            q.push(("number", v.clone()));
        }
        if let Some(v) = self.limit {
            q.push(("limit", v.to_string()));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn add_builds_body_with_only_given_fields() {
        let cli = Cli::try_parse_from([
            "pbxctl",
            "extension",
            "add",
            "101",
            "--secret",
            "s3cret-Pass",
            "--name",
            "Alice",
            "--permit",
            "10.0.0.0/8",
            "--permit",
            "192.168.0.0/16",
            "--codecs",
            "PCMU,opus",
        ])
        .unwrap();
        let Command::Extension {
            command: ExtensionCommand::Add(args),
        } = cli.command
        else {
            panic!("wrong command")
        };
        assert_eq!(
            args.to_body(),
            json!({"number":"101","secret":"s3cret-Pass","name":"Alice",
                   "permit":["10.0.0.0/8","192.168.0.0/16"],"codecs":["PCMU","opus"]})
        );
    }

    #[test]
    fn set_requires_a_change() {
        let err = Cli::try_parse_from(["pbxctl", "extension", "set", "101"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let cli = Cli::try_parse_from(["pbxctl", "extension", "set", "101", "--max-contacts", "3"])
            .unwrap();
        let Command::Extension {
            command: ExtensionCommand::Set(args),
        } = cli.command
        else {
            panic!("wrong command")
        };
        assert_eq!(args.to_body(), json!({"max_contacts":3}));
    }

    #[test]
    fn set_record_calls_alone_is_a_change() {
        let cli = Cli::try_parse_from([
            "pbxctl",
            "extension",
            "set",
            "101",
            "--record-calls",
            "true",
        ])
        .unwrap();
        let Command::Extension {
            command: ExtensionCommand::Set(args),
        } = cli.command
        else {
            panic!("wrong command")
        };
        assert_eq!(args.to_body(), json!({"record_calls":true}));
    }

    #[test]
    fn settings_set_reads_json_values_or_text() {
        let cli = Cli::try_parse_from([
            "pbxctl",
            "settings",
            "set",
            "global_ring_time=45",
            "call_waiting=false",
            "user_extension_range=100-899",
            "realm=pbx.example",
            "realm=\"quoted\"",
            "note=a=b",
            "empty=",
        ])
        .unwrap();
        let Command::Settings {
            command: SettingsCommand::Set { assignments },
        } = cli.command
        else {
            panic!("wrong command")
        };
        assert_eq!(
            settings_body(&assignments),
            json!({"global_ring_time":45,"call_waiting":false,
                   "user_extension_range":"100-899","realm":"quoted","note":"a=b","empty":""})
        );
    }

    #[test]
    fn settings_set_needs_key_value_pairs() {
        for args in [
            &["pbxctl", "settings", "set"][..],
            &["pbxctl", "settings", "set", "global_ring_time"],
            &["pbxctl", "settings", "set", "=5"],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn route_trace_builds_its_query() {
        let cli = Cli::try_parse_from([
            "pbxctl",
            "route",
            "trace",
            "--from",
            "0301",
            "--to",
            "4930123",
            "--trunk",
            "prov",
            "--at",
            "2024-06-03T10:00:00Z",
        ])
        .unwrap();
        let Command::Route {
            command: crate::routing::RouteCommand::Trace(args),
        } = cli.command
        else {
            panic!("wrong command")
        };
        assert_eq!(
            args.query(),
            [
                ("from", "0301".to_owned()),
                ("to", "4930123".to_owned()),
                ("trunk", "prov".to_owned()),
                ("at", "2024-06-03T10:00:00Z".to_owned()),
            ]
        );
        let err = Cli::try_parse_from(["pbxctl", "route", "trace", "--from", "101"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn trunk_add_needs_credentials_for_register_only() {
        let err = Cli::try_parse_from([
            "pbxctl", "trunk", "add", "p", "--kind", "register", "--host", "h",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let cli = Cli::try_parse_from([
            "pbxctl", "trunk", "add", "p", "--kind", "peer", "--host", "10.0.0.1",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Trunk {
                command: crate::routing::TrunkCommand::Add(_)
            }
        ));
    }

    #[test]
    fn add_requires_secret() {
        let err = Cli::try_parse_from(["pbxctl", "extension", "add", "101"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
