//! `pbxctl trunk …` and `pbxctl route …`: SIP trunks, the route lists and the route tracer
//! (`GET /api/v1/route-trace`), printed step by step.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Map, Value};

use crate::client::{encode_segment, CliError, Client};
use crate::output::Out;

/// Preferred table columns for `trunk list`.
const TRUNK_COLUMNS: &[&str] = &["id", "enabled", "mode", "codecs", "dtmf_mode", "max_calls"];
/// Preferred columns of `trunk status`.
const TRUNK_STATUS_COLUMNS: &[&str] = &[
    "trunk",
    "kind",
    "state",
    "reason",
    "last_code",
    "failures",
    "expires_at",
    "retry_at",
];
/// Preferred table columns for the outbound part of `route list`.
const OUTBOUND_COLUMNS: &[&str] = &[
    "id",
    "enabled",
    "dial_prefix",
    "patterns",
    "trunks",
    "strategy",
    "pin_set",
    "time_condition",
];
/// Preferred table columns for the inbound part of `route list`.
const INBOUND_COLUMNS: &[&str] = &["name", "enabled", "trunk", "did", "caller", "destination"];

/// `pbxctl trunk …`
#[derive(Debug, Subcommand)]
pub(crate) enum TrunkCommand {
    /// List all trunks.
    List,
    /// Show one trunk.
    Show {
        /// Trunk id.
        id: String,
    },
    /// Create a trunk (admin).
    Add(TrunkAddArgs),
    /// Delete a trunk (refused while a route uses it).
    Delete {
        /// Trunk id.
        id: String,
    },
    /// Live state: registered, failed (and why), last response code; every trunk when no
    /// id is given.
    Status {
        /// Trunk id.
        id: Option<String>,
    },
}

/// How a new trunk connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum TrunkKind {
    /// We register to a provider.
    Register,
    /// IP-authenticated, no registration.
    Peer,
    /// A remote PBX registers to us.
    Account,
}

/// Fields of a new trunk.
#[derive(Debug, Args)]
pub(crate) struct TrunkAddArgs {
    /// Trunk id (routes refer to it).
    pub(crate) id: String,
    /// How the trunk connects: register (to a provider), peer (by IP) or account (a remote
    /// PBX registers to us).
    #[arg(long, value_enum)]
    pub(crate) kind: TrunkKind,
    /// Provider or peer host (register, peer).
    #[arg(long, required_if_eq_any([("kind", "register"), ("kind", "peer")]))]
    pub(crate) host: Option<String>,
    /// Port (default: the transport's).
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// Transport: udp, tcp or tls.
    #[arg(long)]
    pub(crate) transport: Option<String>,
    /// Account user name (register, account).
    #[arg(long, required_if_eq_any([("kind", "register"), ("kind", "account")]))]
    pub(crate) username: Option<String>,
    /// Digest password (register, account).
    #[arg(long, required_if_eq_any([("kind", "register"), ("kind", "account")]))]
    pub(crate) password: Option<String>,
    /// Codec preference, comma separated (e.g. PCMA,PCMU).
    #[arg(long, value_delimiter = ',')]
    pub(crate) codecs: Vec<String>,
    /// Most simultaneous calls.
    #[arg(long)]
    pub(crate) max_calls: Option<u32>,
    /// Create it disabled.
    #[arg(long)]
    pub(crate) disabled: bool,
}

impl TrunkAddArgs {
    /// The JSON body of `POST /api/v1/trunks`.
    pub(crate) fn to_body(&self) -> Value {
        let mut mode = Map::new();
        let kind = match self.kind {
            TrunkKind::Register => "register",
            TrunkKind::Peer => "peer",
            TrunkKind::Account => "account",
        };
        mode.insert("kind".into(), json!(kind));
        let fields = [
            ("host", self.host.as_ref().map(|v| json!(v))),
            ("port", self.port.map(|v| json!(v))),
            ("transport", self.transport.as_ref().map(|v| json!(v))),
            ("username", self.username.as_ref().map(|v| json!(v))),
            ("password", self.password.as_ref().map(|v| json!(v))),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                mode.insert(key.into(), value);
            }
        }
        let mut body = Map::new();
        body.insert("id".into(), json!(self.id));
        body.insert("mode".into(), Value::Object(mode));
        if !self.codecs.is_empty() {
            body.insert("codecs".into(), json!(self.codecs));
        }
        if let Some(n) = self.max_calls {
            body.insert("max_calls".into(), json!(n));
        }
        if self.disabled {
            body.insert("enabled".into(), json!(false));
        }
        Value::Object(body)
    }
}

/// `pbxctl route …`
#[derive(Debug, Subcommand)]
pub(crate) enum RouteCommand {
    /// List the outbound routes (in the order they are tried) and the inbound routes.
    List,
    /// Show what would happen to a call, step by step, without placing it.
    Trace(TraceArgs),
}

/// The call to trace.
#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    /// Calling extension (outbound), or caller number on the trunk (with --trunk).
    #[arg(long)]
    pub(crate) from: String,
    /// Dialled number, or the DID (with --trunk).
    #[arg(long)]
    pub(crate) to: String,
    /// Trace an inbound call arriving on this trunk.
    #[arg(long)]
    pub(crate) trunk: Option<String>,
    /// When the call happens (RFC 3339, default now), for time conditions.
    #[arg(long)]
    pub(crate) at: Option<String>,
}

impl TraceArgs {
    /// Query parameters for `GET /api/v1/route-trace`.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("from", self.from.clone()), ("to", self.to.clone())];
        if let Some(t) = &self.trunk {
            q.push(("trunk", t.clone()));
        }
        if let Some(at) = &self.at {
            q.push(("at", at.clone()));
        }
        q
    }
}

/// Runs `pbxctl trunk …`.
pub(crate) fn trunk(
    client: &Client,
    out: &mut Out,
    command: &TrunkCommand,
) -> Result<(), CliError> {
    match command {
        TrunkCommand::List => {
            let value = client.get_json("/api/v1/trunks", &[])?;
            out.table(&summarize_modes(value), TRUNK_COLUMNS)
        }
        TrunkCommand::Show { id } => {
            let value = client.get_json(&trunk_path(id), &[])?;
            out.record(&value, TRUNK_COLUMNS)
        }
        TrunkCommand::Add(args) => {
            let value = client.send_json("POST", "/api/v1/trunks", &args.to_body())?;
            out.record(&value, TRUNK_COLUMNS)
        }
        TrunkCommand::Delete { id } => {
            client.delete(&trunk_path(id))?;
            out.message(&format!("trunk {id} deleted"))
        }
        TrunkCommand::Status { id: Some(id) } => {
            let value = client.get_json(&format!("{}/status", trunk_path(id)), &[])?;
            out.record(&value, TRUNK_STATUS_COLUMNS)
        }
        TrunkCommand::Status { id: None } => {
            let list = client.get_json("/api/v1/trunks", &[])?;
            out.table(&statuses_of(&list), TRUNK_STATUS_COLUMNS)
        }
    }
}

/// Runs `pbxctl route …`.
pub(crate) fn route(
    client: &Client,
    out: &mut Out,
    command: &RouteCommand,
) -> Result<(), CliError> {
    match command {
        RouteCommand::List => {
            let outbound = client.get_json("/api/v1/outbound-routes", &[])?;
            let inbound = client.get_json("/api/v1/inbound-routes", &[])?;
            if out.is_json() {
                return out.table(&json!({"outbound": outbound, "inbound": inbound}), &[]);
            }
            out.message("Outbound routes (tried in this order):")?;
            out.table(&outbound, OUTBOUND_COLUMNS)?;
            out.message("\nInbound routes:")?;
            out.table(&inbound, INBOUND_COLUMNS)
        }
        RouteCommand::Trace(args) => {
            let value = client.get_json("/api/v1/route-trace", &args.query())?;
            if out.is_json() {
                return out.table(&value, &[]);
            }
            out.message(&render_trace(&value))
        }
    }
}

/// The trace for people: the query, each step numbered, then the result.
pub(crate) fn render_trace(value: &Value) -> String {
    let q = &value["query"];
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut text = match q["trunk"].as_str() {
        Some(trunk) => format!(
            "inbound call on trunk {trunk} from {} to DID {} at {}\n",
            s(&q["from"]),
            s(&q["to"]),
            s(&q["at"])
        ),
        None => format!(
            "extension {} dials {} at {}\n",
            s(&q["from"]),
            s(&q["to"]),
            s(&q["at"])
        ),
    };
    if let Some(steps) = value["trace"].as_array() {
        for (i, step) in steps.iter().enumerate() {
            let line = step["text"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| step.to_string());
            text.push_str(&format!("  {:>2}. {line}\n", i + 1));
        }
    }
    text.push_str(&format!("=> {}", s(&value["summary"])));
    if let Some(route) = value["route"].as_str() {
        text.push_str(&format!(" (route {route})"));
    }
    text
}

/// Shows a trunk's mode as `kind host` in tables instead of a JSON object.
fn summarize_modes(mut value: Value) -> Value {
    if let Some(rows) = value.as_array_mut() {
        for row in rows {
            let mode = &row["mode"];
            let kind = mode["kind"].as_str().unwrap_or("?");
            let target = mode["host"]
                .as_str()
                .or_else(|| mode["username"].as_str())
                .unwrap_or("");
            let text = format!("{kind} {target}").trim().to_owned();
            if let Some(obj) = row.as_object_mut() {
                obj.insert("mode".into(), Value::String(text));
            }
        }
    }
    value
}

/// The `status` objects of a trunk list.
fn statuses_of(list: &Value) -> Value {
    Value::Array(
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("status").cloned())
            .collect(),
    )
}

fn trunk_path(id: &str) -> String {
    format!("/api/v1/trunks/{}", encode_segment(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_status_list_takes_each_status() {
        let list = json!([{"id": "a", "status": {"trunk": "a", "state": "registered"}},
                          {"id": "b", "status": {"trunk": "b", "state": "failed"}}]);
        assert_eq!(
            statuses_of(&list),
            json!([{"trunk": "a", "state": "registered"}, {"trunk": "b", "state": "failed"}])
        );
    }

    #[test]
    fn trunk_add_body_has_mode_fields() {
        let args = TrunkAddArgs {
            id: "prov".into(),
            kind: TrunkKind::Register,
            host: Some("sip.example.com".into()),
            port: Some(5080),
            transport: None,
            username: Some("u1".into()),
            password: Some("pw-Secret-1".into()),
            codecs: vec!["PCMA".into()],
            max_calls: None,
            disabled: true,
        };
        assert_eq!(
            args.to_body(),
            json!({"id": "prov", "enabled": false, "codecs": ["PCMA"],
                   "mode": {"kind": "register", "host": "sip.example.com", "port": 5080,
                            "username": "u1", "password": "pw-Secret-1"}})
        );
    }

    #[test]
    fn trace_renders_numbered_steps() {
        let value = json!({
            "query": {"from": "101", "to": "9030", "trunk": null, "at": "2024-06-03T10:00:00Z"},
            "trace": [{"step": "route_matched", "text": "outbound route national matches"},
                      {"step": "number_rewritten", "text": "number rewritten: 9030 -> +4930"}],
            "summary": "call out via prov as +4930",
            "route": "national"
        });
        assert_eq!(
            render_trace(&value),
            "extension 101 dials 9030 at 2024-06-03T10:00:00Z\n   1. outbound route national \
             matches\n   2. number rewritten: 9030 -> +4930\n=> call out via prov as +4930 \
             (route national)"
        );
    }

    #[test]
    fn trunk_table_summarizes_the_mode() {
        let rows =
            summarize_modes(json!([{"id": "p", "mode": {"kind": "peer", "host": "10.0.0.1"}}]));
        assert_eq!(rows[0]["mode"], "peer 10.0.0.1");
    }
}
