//! Counters for `/metrics` (Prometheus text format). Plain atomics: the engine bumps them
//! on the hot path without locks; the API renders them on scrape.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use rotary_sip::Method;

/// Methods counted individually; anything else is `other`.
const METHODS: [&str; 15] = [
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "REGISTER",
    "OPTIONS",
    "INFO",
    "UPDATE",
    "PRACK",
    "SUBSCRIBE",
    "NOTIFY",
    "REFER",
    "MESSAGE",
    "PUBLISH",
    "other",
];

/// Engine counters shared between the engine task and the API.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [AtomicU64; METHODS.len()],
    responses_sent: [AtomicU64; 6],
    responses_received: [AtomicU64; 6],
    /// Current number of registered contacts.
    pub bindings: AtomicI64,
    /// Digest verifications that failed (wrong password, unknown user, replay, bad nonce).
    pub auth_failures: AtomicU64,
    /// REGISTERs answered 2xx.
    pub registrations_ok: AtomicU64,
    /// Malformed messages seen by the transports (copied at scrape time).
    pub malformed: AtomicU64,
    /// Calls in progress (ringing or answered).
    pub active_calls: AtomicI64,
    /// Finished call attempts by disposition: answered, no answer, busy, failed.
    pub call_attempts: [AtomicU64; 4],
    /// RTP packets relayed by finished calls' relays.
    pub rtp_relayed: AtomicU64,
    /// RTP packets lost (sequence gaps) on finished calls' relays.
    pub rtp_lost: AtomicU64,
}

/// Dispositions in the order of [`Metrics::call_attempts`].
pub const DISPOSITIONS: [&str; 4] = ["ANSWERED", "NO ANSWER", "BUSY", "FAILED"];

impl Metrics {
    /// Count one request received.
    pub fn count_request(&self, method: &Method) {
        let i = METHODS
            .iter()
            .position(|m| *m == method.as_str())
            .unwrap_or(METHODS.len() - 1);
        self.requests[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Count one response we sent.
    pub fn count_response_sent(&self, status: u16) {
        if let Some(c) = class_slot(&self.responses_sent, status) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Count one response we received.
    pub fn count_response_received(&self, status: u16) {
        if let Some(c) = class_slot(&self.responses_received, status) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Render in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(2048);
        let _ = writeln!(
            s,
            "# HELP rotary_sip_requests_total SIP requests received, by method."
        );
        let _ = writeln!(s, "# TYPE rotary_sip_requests_total counter");
        for (m, c) in METHODS.iter().zip(&self.requests) {
            let _ = writeln!(
                s,
                "rotary_sip_requests_total{{method=\"{m}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        for (name, arr, help) in [
            (
                "rotary_sip_responses_sent_total",
                &self.responses_sent,
                "SIP responses sent, by class.",
            ),
            (
                "rotary_sip_responses_received_total",
                &self.responses_received,
                "SIP responses received, by class.",
            ),
        ] {
            let _ = writeln!(s, "# HELP {name} {help}");
            let _ = writeln!(s, "# TYPE {name} counter");
            for (i, c) in arr.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "{name}{{class=\"{}xx\"}} {}",
                    i + 1,
                    c.load(Ordering::Relaxed)
                );
            }
        }
        let gauges = [
            (
                "rotary_registrar_bindings",
                "gauge",
                "Registered contacts.",
                self.bindings.load(Ordering::Relaxed),
            ),
            (
                "rotary_calls_active",
                "gauge",
                "Calls in progress.",
                self.active_calls.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, v) in gauges {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        }
        let counters = [
            (
                "rotary_auth_failures_total",
                "Digest authentications refused.",
                &self.auth_failures,
            ),
            (
                "rotary_registrations_total",
                "REGISTER requests accepted.",
                &self.registrations_ok,
            ),
            (
                "rotary_sip_malformed_total",
                "Malformed SIP messages received.",
                &self.malformed,
            ),
            (
                "rotary_rtp_relayed_packets_total",
                "RTP packets relayed (finished calls).",
                &self.rtp_relayed,
            ),
            (
                "rotary_rtp_lost_packets_total",
                "RTP packets lost before the relay (finished calls).",
                &self.rtp_lost,
            ),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            s,
            "# HELP rotary_call_attempts_total Finished call attempts, by disposition."
        );
        let _ = writeln!(s, "# TYPE rotary_call_attempts_total counter");
        for (d, c) in DISPOSITIONS.iter().zip(&self.call_attempts) {
            let _ = writeln!(
                s,
                "rotary_call_attempts_total{{disposition=\"{d}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        s
    }
}

fn class_slot(arr: &[AtomicU64; 6], status: u16) -> Option<&AtomicU64> {
    let class = usize::from(status / 100);
    (1..=6).contains(&class).then(|| &arr[class - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_by_method_and_class() {
        let m = Metrics::default();
        m.count_request(&Method::Register);
        m.count_request(&Method::Other("FOO".into()));
        m.count_response_sent(401);
        m.count_response_sent(200);
        m.count_response_sent(200);
        let t = m.render();
        assert!(
            t.contains("rotary_sip_requests_total{method=\"REGISTER\"} 1"),
            "{t}"
        );
        assert!(
            t.contains("rotary_sip_requests_total{method=\"other\"} 1"),
            "{t}"
        );
        assert!(
            t.contains("rotary_sip_responses_sent_total{class=\"2xx\"} 2"),
            "{t}"
        );
        assert!(
            t.contains("rotary_sip_responses_sent_total{class=\"4xx\"} 1"),
            "{t}"
        );
    }
}
