//! One contact bound to an address of record: what the engine needs to reach the
//! phone (the flow the REGISTER came in on, not the Contact host, for NAT), what the
//! RFC 3261 §10.3 update rules compare (Call-ID, CSeq, contact URI, instance), and
//! the plain-data [`BindingSnapshot`] persisted across restarts.

use std::fmt;
use std::time::Instant;

use rotary_sip::{Flow, Host, Param, Scheme, Uri};

/// Names a binding for the registrar's life; qualify results refer to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BindingId(pub u64);

/// What the last qualify said about a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reachability {
    /// Not qualified (qualify off, or no answer or timeout yet).
    Unknown,
    /// The last OPTIONS got an answer.
    Reachable,
    /// The last OPTIONS went unanswered within the qualify timeout.
    Unreachable,
}

/// A binding as plain data: carried by every [`crate::RegistrarEvent`] so the engine
/// can persist and publish it, and handed back to [`crate::Registrar::restore`] at
/// start-up. `(aor, contact)` is unique among the live bindings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingSnapshot {
    /// The extension number this contact is bound to.
    pub aor: String,
    /// The contact URI as written by the phone, without header parameters.
    pub contact: String,
    /// The flow the REGISTER arrived on; requests to the phone go back through it.
    pub flow: Flow,
    /// The phone's User-Agent header, if it sent one.
    pub user_agent: Option<String>,
    /// Call-ID of the REGISTER that last updated the binding.
    pub call_id: String,
    /// CSeq number of that REGISTER.
    pub cseq: u32,
    /// Expiry as Unix seconds, so it survives a restart.
    pub expires_at_unix: i64,
    /// Contact preference `q` in thousandths (`q=0.5` → 500).
    pub q: Option<u16>,
    /// The `+sip.instance` contact parameter (RFC 5626), quotes removed.
    pub instance: Option<String>,
    /// The `reg-id` contact parameter (RFC 5626).
    pub reg_id: Option<u32>,
}

/// A live binding, as [`crate::Registrar::lookup`] returns it.
#[derive(Clone, Debug)]
pub struct Binding {
    /// Stable for this registrar's life.
    pub id: BindingId,
    /// The extension number.
    pub aor: String,
    /// The contact URI text (see [`BindingSnapshot::contact`]).
    pub contact: String,
    /// The contact URI, parsed once: the Request-URI of requests to this phone.
    pub uri: Uri,
    /// Where requests to the phone are sent (RFC 3581 / RFC 5626 flow reuse): the
    /// REGISTER's source, whatever private address the Contact names.
    pub flow: Flow,
    /// The phone's User-Agent.
    pub user_agent: Option<String>,
    /// Call-ID of the last accepted REGISTER for this contact.
    pub call_id: String,
    /// CSeq of that REGISTER.
    pub cseq: u32,
    /// When the binding lapses (monotonic).
    pub expires_at: Instant,
    /// The same instant as Unix seconds.
    pub expires_at_unix: i64,
    /// Preference in thousandths.
    pub q: Option<u16>,
    /// RFC 5626 instance ID.
    pub instance: Option<String>,
    /// RFC 5626 registration ID.
    pub reg_id: Option<u32>,
    /// Qualify state; lookups return unreachable contacts too, flagged here.
    pub reachability: Reachability,
    /// Seconds between qualify OPTIONS (0: off), from the account at the last update.
    pub qualify_interval: u32,
    /// When the next qualify OPTIONS is due.
    pub(crate) next_qualify: Option<Instant>,
    /// When the outstanding qualify OPTIONS times out.
    pub(crate) qualify_deadline: Option<Instant>,
}

impl Binding {
    /// A plain-data copy for persistence and events.
    pub fn snapshot(&self) -> BindingSnapshot {
        BindingSnapshot {
            aor: self.aor.clone(),
            contact: self.contact.clone(),
            flow: self.flow,
            user_agent: self.user_agent.clone(),
            call_id: self.call_id.clone(),
            cseq: self.cseq,
            expires_at_unix: self.expires_at_unix,
            q: self.q,
            instance: self.instance.clone(),
            reg_id: self.reg_id,
        }
    }

    /// Time left before expiry, as the `expires` parameter of a 200 OK shows it
    /// (whole seconds, rounded up).
    pub fn remaining_secs(&self, now: Instant) -> u32 {
        let left = self.expires_at.saturating_duration_since(now);
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        u32::try_from(secs).unwrap_or(u32::MAX)
    }

    /// Worth trying for a call: reachable, or not known to be unreachable.
    pub fn is_reachable(&self) -> bool {
        self.reachability != Reachability::Unreachable
    }

    /// Is this the binding of the same RFC 5626 instance and registration id?
    /// (Both must carry an instance; RFC 5626 §6 replaces such a binding.)
    pub(crate) fn same_instance(&self, instance: Option<&str>, reg_id: Option<u32>) -> bool {
        match (self.instance.as_deref(), instance) {
            (Some(mine), Some(theirs)) => mine == theirs && self.reg_id == reg_id,
            _ => false,
        }
    }
}

impl fmt::Display for BindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}

/// URI equality of RFC 3261 §19.1.4, enough for contact matching: scheme, user,
/// password and port exact; host case-insensitive; `user`, `ttl`, `method`, `maddr`
/// and `transport` must agree when either side has them; other parameters only when
/// both have them. URI headers are ignored (contacts do not carry them).
pub(crate) fn same_uri(a: &Uri, b: &Uri) -> bool {
    if a.scheme != b.scheme {
        return false;
    }
    match a.scheme {
        Scheme::Sip | Scheme::Sips => {
            a.user == b.user
                && a.password == b.password
                && a.port == b.port
                && same_host(&a.host, &b.host)
                && params_agree(&a.params, &b.params)
                && params_agree(&b.params, &a.params)
        }
        _ => a.opaque == b.opaque,
    }
}

fn same_host(a: &Host, b: &Host) -> bool {
    match (a, b) {
        (Host::Domain(x), Host::Domain(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// Every parameter of `a` is compatible with `b` (one direction of the rule).
fn params_agree(a: &[Param], b: &[Param]) -> bool {
    a.iter().all(
        |p| match b.iter().find(|q| q.name.eq_ignore_ascii_case(&p.name)) {
            Some(q) => match (&p.value, &q.value) {
                (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                (None, None) => true,
                _ => false,
            },
            None => !MUST_MATCH.iter().any(|n| p.name.eq_ignore_ascii_case(n)),
        },
    )
}

/// Parse a `q` parameter (`0`, `0.5`, `1.000`) into thousandths.
pub(crate) fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = match v.split_once('.') {
        Some((i, f)) => (i, f),
        None => (v, ""),
    };
    if frac.len() > 3 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole = match int {
        "0" => 0u16,
        "1" => 1000,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, c) in frac.bytes().enumerate() {
        thousandths += u16::from(c - b'0') * [100, 10, 1][i];
    }
    let q = whole + thousandths;
    (q <= 1000).then_some(q)
}

/// Render thousandths back to a `q` value (`500` → `0.5`).
pub(crate) fn format_q(q: u16) -> String {
    if q >= 1000 {
        return "1".to_string();
    }
    let s = format!("0.{q:03}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// RFC 3261 §19.1.4: these parameters must match if present in either URI.
const MUST_MATCH: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_parse_and_render() {
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("0.125"), Some(125));
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("0.1234"), None);
        assert_eq!(parse_q("x"), None);
        assert_eq!(format_q(500), "0.5");
        assert_eq!(format_q(125), "0.125");
        assert_eq!(format_q(0), "0");
        assert_eq!(format_q(1000), "1");
    }
}
