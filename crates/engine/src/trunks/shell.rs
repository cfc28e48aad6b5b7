//! The trunks' outside: the shell's host-name resolver, the Prometheus gauges and the
//! event-bus fields of a trunk status.

use std::net::IpAddr;

use tokio::sync::mpsc;

use super::TrunkStatusInfo;

/// Resolves trunk host names for the shell: lookups run as tasks, answers come back
/// through [`Resolver::recv`].
pub struct Resolver {
    tx: mpsc::UnboundedSender<(String, Vec<IpAddr>)>,
    rx: mpsc::UnboundedReceiver<(String, Vec<IpAddr>)>,
}

impl Resolver {
    /// A resolver with nothing in flight.
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Resolver { tx, rx }
    }

    /// Look these names up (A/AAAA, 10 s at most each).
    pub fn lookup(&self, hosts: Vec<String>) {
        for host in hosts {
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let lookup = tokio::net::lookup_host((host.as_str(), 0));
                let addrs =
                    match tokio::time::timeout(std::time::Duration::from_secs(10), lookup).await {
                        Ok(Ok(it)) => it.map(|a| a.ip()).collect(),
                        _ => Vec::new(),
                    };
                if addrs.is_empty() {
                    tracing::warn!(%host, "trunk host did not resolve");
                }
                let _ = tx.send((host, addrs));
            });
        }
    }

    /// The next answer (cancel-safe).
    pub async fn recv(&mut self) -> Option<(String, Vec<IpAddr>)> {
        self.rx.recv().await
    }
}

impl Default for Resolver {
    fn default() -> Self {
        Self::new()
    }
}

/// Prometheus text: one gauge per trunk and state (1 for the current state).
pub fn render_metrics(statuses: &[TrunkStatusInfo]) -> String {
    const STATES: [&str; 9] = [
        "registered",
        "registering",
        "unregistered",
        "failed",
        "probing",
        "reachable",
        "unreachable",
        "unmonitored",
        "disabled",
    ];
    let mut s = String::from(
        "# HELP rotary_trunk_state Trunk state, 1 for the state the trunk is in.\n\
         # TYPE rotary_trunk_state gauge\n",
    );
    for t in statuses {
        for state in STATES {
            s.push_str(&format!(
                "rotary_trunk_state{{trunk=\"{}\",state=\"{state}\"}} {}\n",
                t.trunk,
                u8::from(t.state == state)
            ));
        }
    }
    s
}

/// The event-bus fields of a status.
pub fn event_fields(info: &TrunkStatusInfo) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("trunk", info.trunk.clone()),
        ("kind", info.kind.to_owned()),
        ("state", info.state.to_owned()),
    ];
    if let Some(r) = info.reason {
        fields.push(("reason", r.to_owned()));
    }
    if let Some(c) = info.last_code {
        fields.push(("last_code", c.to_string()));
    }
    if let Some(rtt) = info.rtt_ms {
        fields.push(("rtt_ms", rtt.to_string()));
    }
    if info.call_failures > 0 {
        fields.push(("call_failures", info.call_failures.to_string()));
    }
    if let Some(f) = &info.last_call_failure {
        fields.push(("call_failure_reason", f.reason.to_owned()));
        if let Some(code) = f.code {
            fields.push(("call_failure_code", code.to_string()));
        }
    }
    fields
}

/// Log a trunk's state change (warnings for failures).
pub(super) fn log_status(info: &TrunkStatusInfo) {
    match info.reason {
        Some(reason) => tracing::warn!(
            trunk = %info.trunk, kind = info.kind, state = info.state, reason,
            last_code = ?info.last_code, "trunk failed"
        ),
        None => tracing::info!(trunk = %info.trunk, state = info.state, "trunk state"),
    }
}
