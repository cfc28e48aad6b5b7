//! REGISTER processing (RFC 3261 §10.3), in the order a request is judged:
//! account and credentials, permit list, then the binding update itself, applied
//! all-or-nothing. Design notes (enumeration, contact replacement): `docs/registrar.md`.

use std::time::{Duration, Instant};

use rotary_sip::auth::{AuthResult, Credentials, RejectReason};
use rotary_sip::message::find_param;
use rotary_sip::transaction::make_response;
use rotary_sip::{Contact, Flow, Method, NameAddr, Request, Response, Uri};

use crate::binding::{format_q, parse_q, same_uri, Binding, BindingId, Reachability};
use crate::config::Account;
use crate::date::http_date;
use crate::registrar::{Registrar, RegistrarEvent};

impl Registrar {
    /// Process one REGISTER that arrived on `flow` and return the final response
    /// for the server transaction (the engine adds a To-tag if missing).
    ///
    /// `account` is the engine's policy for the To user, `None` if no such
    /// extension. Outcomes, in the order they are checked:
    /// - no usable `Authorization` for our realm → 401 with one SHA-256 and one MD5
    ///   challenge (`qop=auth`), whoever the user is;
    /// - credentials from a source outside the account's permit list → 403
    ///   "Forbidden (permit)";
    /// - stale nonce, or a replayed nonce count with the right password → 401
    ///   with `stale=true` (nothing changes; the phone answers the new nonce);
    /// - a nonce that is not ours (e.g. from before a restart) or otherwise unusable
    ///   credentials → 401 with a fresh challenge;
    /// - wrong password, digest username ≠ To user, or an unknown To user → 403
    ///   "Forbidden" (an unknown user answers its challenge exactly like a wrong
    ///   password, so scanners find nothing);
    /// - then the contact update: 400 (malformed), 423 with `Min-Expires`, 500
    ///   (out-of-order CSeq for a binding with the same Call-ID, RFC 3261 §10.3 step
    ///   7), 403 "Too many contacts", or 200 listing every binding of the AOR with
    ///   its remaining `expires` and a `Date` header.
    ///
    /// Any failure leaves the bindings untouched. Changes are reported through
    /// [`Registrar::poll_event`].
    pub fn handle_register(
        &mut self,
        now: Instant,
        wall_unix: i64,
        flow: Flow,
        req: &Request,
        account: Option<&Account>,
    ) -> Response {
        let Some(to_user) = to_user(req) else {
            return make_response(req, 400, "Bad To Header");
        };
        let account = account.filter(|a| a.aor == to_user);
        let Some(creds) = self.credentials(req) else {
            return self.challenge(now, req, false);
        };
        if let Some(a) = account {
            // DUC "Permit IP". Judged only once credentials are offered, so that an
            // unauthenticated probe gets the same 401 for every user.
            if !a.permits(flow.remote.ip()) {
                return make_response(req, 403, "Forbidden (permit)");
            }
        }
        let username_ok = creds.username == to_user;
        let password = match account {
            Some(a) if username_ok => a.password.as_str(),
            _ => self.decoy_password.as_str(),
        };
        match self
            .digest
            .verify(now, Method::Register.as_str(), &creds, password)
        {
            AuthResult::Ok => {}
            // Right password, but this nonce (or nonce count) cannot be used again.
            AuthResult::Stale | AuthResult::Rejected(RejectReason::Replay) => {
                return self.challenge(now, req, true);
            }
            AuthResult::Rejected(RejectReason::BadResponse) => {
                return make_response(req, 403, "Forbidden")
            }
            // A nonce from before a restart, a foreign realm, a missing cnonce...:
            // nothing was learnt about the password, so challenge afresh.
            AuthResult::Rejected(_) => return self.challenge(now, req, false),
        }
        let Some(account) = account.filter(|_| username_ok) else {
            return make_response(req, 403, "Forbidden");
        };
        self.update_bindings(now, wall_unix, flow, req, account)
    }

    /// The Authorization for our realm (phones may send several), if it parses.
    fn credentials(&self, req: &Request) -> Option<Credentials> {
        let mut first = None;
        for value in req.headers.get_all("Authorization") {
            let Ok(c) = value.parse::<Credentials>() else {
                continue;
            };
            if c.realm == self.config.realm {
                return Some(c);
            }
            first.get_or_insert(c);
        }
        first
    }

    /// A 401 carrying fresh challenges.
    fn challenge(&mut self, now: Instant, req: &Request, stale: bool) -> Response {
        let mut resp = make_response(req, 401, "Unauthorized");
        for value in self.digest.challenge(now, stale) {
            resp.headers.push("WWW-Authenticate", value);
        }
        resp
    }

    /// RFC 3261 §10.3 steps 5–8 for an authenticated request.
    fn update_bindings(
        &mut self,
        now: Instant,
        wall_unix: i64,
        flow: Flow,
        req: &Request,
        account: &Account,
    ) -> Response {
        let Some(call_id) = req
            .headers
            .get("Call-ID")
            .filter(|c| !c.is_empty() && c.len() <= MAX_CALL_ID)
        else {
            return make_response(req, 400, "Bad Call-ID");
        };
        let Some(cseq) = cseq_number(req) else {
            return make_response(req, 400, "Bad CSeq");
        };
        let Ok(contacts) = req.contacts() else {
            return make_response(req, 400, "Bad Contact");
        };
        let header_expires = expires_header(req);
        if contacts.iter().any(|c| matches!(c, Contact::Star)) {
            // Step 6: `*` only alone and only with Expires: 0.
            if contacts.len() != 1 || header_expires != Some(0) {
                return make_response(req, 400, "Invalid Contact *");
            }
            return self.remove_all(now, wall_unix, req, &account.aor, call_id, cseq);
        }
        let (min, max) = (
            self.config.min_expires,
            self.config.max_expires.max(self.config.min_expires),
        );
        // The registrar's own choice always lies within its bounds.
        let default_expiry = account.default_expiry.clamp(min, max);
        let mut wanted: Vec<Wanted> = Vec::with_capacity(contacts.len());
        for c in contacts {
            let Contact::Addr(addr) = c else { continue };
            let mut w = match Wanted::from_addr(addr, header_expires, default_expiry) {
                Some(w) => w,
                None => return make_response(req, 400, "Bad Contact"),
            };
            if w.expires != 0 && w.expires < min {
                // Step 7: too brief; tell the phone the floor.
                let mut resp = make_response(req, 423, "Interval Too Brief");
                resp.headers.push("Min-Expires", min.to_string());
                return resp;
            }
            w.expires = w.expires.min(max);
            // The same contact twice in one request: the last one counts.
            wanted.retain(|o| !same_uri(&o.uri, &w.uri));
            wanted.push(w);
        }
        let plan = match self.plan(
            &account.aor,
            call_id,
            cseq,
            &wanted,
            usize::from(account.max_contacts),
        ) {
            Ok(plan) => plan,
            Err(Refusal::OutOfOrder) => return out_of_order(req),
            Err(Refusal::TooMany) => return too_many(req),
        };
        self.commit(
            now, wall_unix, flow, req, account, call_id, cseq, wanted, plan,
        );
        self.ok_response(now, wall_unix, req, &account.aor)
    }

    /// Decide every change before making any (all-or-nothing, step 7).
    fn plan(
        &self,
        aor: &str,
        call_id: &str,
        cseq: u32,
        wanted: &[Wanted],
        max_contacts: usize,
    ) -> Result<Plan, Refusal> {
        let existing: &[BindingId] = self.by_aor.get(aor).map_or(&[], Vec::as_slice);
        let mut plan = Plan::default();
        for (idx, w) in wanted.iter().enumerate() {
            // A URI match first, so that two bindings never share a contact URI;
            // else the same RFC 5626 instance and reg-id under a new URI.
            let unclaimed = |pred: &dyn Fn(&Binding) -> bool| {
                existing
                    .iter()
                    .copied()
                    .find(|id| !plan.claimed(*id) && self.bindings.get(id).is_some_and(pred))
            };
            let found = unclaimed(&|b| same_uri(&b.uri, &w.uri))
                .or_else(|| unclaimed(&|b| b.same_instance(w.instance.as_deref(), w.reg_id)));
            match found {
                Some(id) => {
                    if self
                        .bindings
                        .get(&id)
                        .is_some_and(|b| b.call_id == call_id && cseq <= b.cseq)
                    {
                        return Err(Refusal::OutOfOrder);
                    }
                    if w.expires == 0 {
                        plan.removes.push(id);
                    } else {
                        plan.updates.push((id, idx));
                    }
                }
                None if w.expires > 0 => plan.adds.push(idx),
                None => {}
            }
        }
        let total = |p: &Plan| existing.len() + p.adds.len() - p.removes.len();
        if plan.adds.is_empty() || total(&plan) <= max_contacts {
            return Ok(plan);
        }
        // Over the limit: a phone whose address changed keeps its Call-ID, so a
        // binding from the same Call-ID that this request does not mention is
        // taken as the phone's old address and replaced (docs/registrar.md).
        for _ in 0..plan.adds.len() {
            let stale = existing.iter().copied().find(|id| {
                !plan.claimed(*id)
                    && self
                        .bindings
                        .get(id)
                        .is_some_and(|b| b.call_id == call_id && b.cseq < cseq)
            });
            let Some(id) = stale else { break };
            plan.removes.push(id);
            if total(&plan) <= max_contacts {
                return Ok(plan);
            }
        }
        Err(Refusal::TooMany)
    }

    /// Apply a plan: removals, then refreshes, then additions.
    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        now: Instant,
        wall_unix: i64,
        flow: Flow,
        req: &Request,
        account: &Account,
        call_id: &str,
        cseq: u32,
        wanted: Vec<Wanted>,
        plan: Plan,
    ) {
        for id in plan.removes {
            if let Some(b) = self.remove_binding(id) {
                self.push_event(RegistrarEvent::Unregistered {
                    binding: b.snapshot(),
                });
            }
        }
        let user_agent = user_agent(req);
        let mut wanted: Vec<Option<Wanted>> = wanted.into_iter().map(Some).collect();
        for (id, idx) in plan.updates {
            let Some(w) = wanted.get_mut(idx).and_then(Option::take) else {
                continue;
            };
            let expires = Duration::from_secs(u64::from(w.expires));
            self.set_expiry(
                id,
                now + expires,
                wall_unix.saturating_add(i64::from(w.expires)),
            );
            let Some(b) = self.bindings.get_mut(&id) else {
                continue;
            };
            let old = (b.contact != w.contact).then(|| b.snapshot());
            b.contact = w.contact;
            b.uri = w.uri;
            b.flow = flow;
            b.user_agent.clone_from(&user_agent);
            if b.call_id != call_id {
                b.call_id = call_id.to_string();
            }
            b.cseq = cseq;
            b.q = w.q;
            b.instance = w.instance;
            b.reg_id = w.reg_id;
            let snapshot = b.snapshot();
            let interval_changed = b.qualify_interval != account.qualify_interval;
            if interval_changed {
                self.set_qualify_interval(now, id, account.qualify_interval, false);
            }
            match old {
                // The key (aor, contact) changed: tell the engine as remove + add.
                Some(old) => {
                    self.push_event(RegistrarEvent::Unregistered { binding: old });
                    self.push_event(RegistrarEvent::Registered { binding: snapshot });
                }
                None => self.push_event(RegistrarEvent::Refreshed { binding: snapshot }),
            }
        }
        for idx in plan.adds {
            let Some(w) = wanted.get_mut(idx).and_then(Option::take) else {
                continue;
            };
            let binding = Binding {
                id: BindingId(0),
                aor: account.aor.clone(),
                contact: w.contact,
                uri: w.uri,
                flow,
                user_agent: user_agent.clone(),
                call_id: call_id.to_string(),
                cseq,
                expires_at: now + Duration::from_secs(u64::from(w.expires)),
                expires_at_unix: wall_unix.saturating_add(i64::from(w.expires)),
                q: w.q,
                instance: w.instance,
                reg_id: w.reg_id,
                reachability: Reachability::Unknown,
                qualify_interval: 0,
                next_qualify: None,
                qualify_deadline: None,
            };
            let id = self.insert_binding(binding);
            self.set_qualify_interval(now, id, account.qualify_interval, false);
            if let Some(b) = self.bindings.get(&id) {
                let snapshot = b.snapshot();
                self.push_event(RegistrarEvent::Registered { binding: snapshot });
            }
        }
    }

    /// `Contact: *` with `Expires: 0`: remove every binding (step 6), unless one
    /// with the same Call-ID has a CSeq at least as high.
    fn remove_all(
        &mut self,
        now: Instant,
        wall_unix: i64,
        req: &Request,
        aor: &str,
        call_id: &str,
        cseq: u32,
    ) -> Response {
        let ids = self.by_aor.get(aor).cloned().unwrap_or_default();
        let stale = ids
            .iter()
            .filter_map(|id| self.bindings.get(id))
            .any(|b| b.call_id == call_id && cseq <= b.cseq);
        if stale {
            return out_of_order(req);
        }
        for id in ids {
            if let Some(b) = self.remove_binding(id) {
                self.push_event(RegistrarEvent::Unregistered {
                    binding: b.snapshot(),
                });
            }
        }
        self.ok_response(now, wall_unix, req, aor)
    }

    /// 200 OK listing every current binding of `aor` (step 8).
    fn ok_response(&self, now: Instant, wall_unix: i64, req: &Request, aor: &str) -> Response {
        let mut resp = make_response(req, 200, "OK");
        let mut outbound = false;
        for b in self.lookup(aor) {
            resp.headers.push("Contact", contact_value(b, now));
            outbound |= b.reg_id.is_some() && b.instance.is_some();
        }
        // RFC 5626 §6: confirm outbound when the phone asked for it.
        if outbound && supports(req, "outbound") {
            resp.headers.push("Require", "outbound");
        }
        resp.headers.push("Date", http_date(wall_unix));
        resp
    }
}

/// One Contact of the request, read once.
struct Wanted {
    uri: Uri,
    contact: String,
    expires: u32,
    q: Option<u16>,
    instance: Option<String>,
    reg_id: Option<u32>,
}

/// The changes one REGISTER makes; indexes point into the `Wanted` list.
#[derive(Default)]
struct Plan {
    removes: Vec<BindingId>,
    updates: Vec<(BindingId, usize)>,
    adds: Vec<usize>,
}

/// Why a plan cannot be applied.
enum Refusal {
    /// Same Call-ID, CSeq not higher than the stored one.
    OutOfOrder,
    /// New contacts beyond the account's limit.
    TooMany,
}

impl Plan {
    fn claimed(&self, id: BindingId) -> bool {
        self.removes.contains(&id) || self.updates.iter().any(|(u, _)| *u == id)
    }
}

impl Wanted {
    /// The expiry is the contact's `expires` parameter, else the Expires header,
    /// else the account default (step 7); `None` when the contact is unusable.
    fn from_addr(
        addr: NameAddr,
        header_expires: Option<u32>,
        default_expiry: u32,
    ) -> Option<Wanted> {
        let param_expires = match find_param(&addr.params, "expires") {
            Some(Some(v)) => parse_delta(v),
            _ => None,
        };
        let expires = param_expires.or(header_expires).unwrap_or(default_expiry);
        let contact = addr.uri.to_string();
        if contact.len() > MAX_CONTACT {
            return None;
        }
        let q = find_param(&addr.params, "q").flatten().and_then(parse_q);
        let instance = find_param(&addr.params, "+sip.instance")
            .flatten()
            .map(|v| v.trim_matches('"').to_string())
            .filter(|v| !v.is_empty() && v.len() <= MAX_INSTANCE);
        let reg_id = find_param(&addr.params, "reg-id")
            .flatten()
            .and_then(|v| v.parse().ok());
        Some(Wanted {
            uri: addr.uri,
            contact,
            expires,
            q,
            instance,
            reg_id,
        })
    }
}

/// Contact value for a 200 OK: the URI, the remaining seconds and the parameters
/// a phone uses to recognise its own binding.
fn contact_value(b: &Binding, now: Instant) -> String {
    let mut v = format!("<{}>;expires={}", b.contact, b.remaining_secs(now));
    if let Some(q) = b.q {
        v.push_str(";q=");
        v.push_str(&format_q(q));
    }
    if let Some(i) = &b.instance {
        v.push_str(";+sip.instance=\"");
        v.push_str(i);
        v.push('"');
    }
    if let Some(r) = b.reg_id {
        v.push_str(";reg-id=");
        v.push_str(&r.to_string());
    }
    v
}

/// RFC 3261 §10.3 step 7: an update with an old CSeq "MUST be aborted and the
/// request fails"; the step's failure code is 500.
fn out_of_order(req: &Request) -> Response {
    make_response(req, 500, "Out of Order CSeq")
}

/// DUC: "When there are already 2 registers, the 3rd register will be responded
/// with a 403 error."
fn too_many(req: &Request) -> Response {
    make_response(req, 403, "Too many contacts")
}

/// The To URI's user part, i.e. the extension being registered.
fn to_user(req: &Request) -> Option<String> {
    req.to().ok()?.uri.user
}

fn cseq_number(req: &Request) -> Option<u32> {
    req.cseq().ok().map(|c| c.seq)
}

/// The Expires header; an unreadable one counts as absent (RFC 3261 §10.3 step 7
/// then falls back to the registrar's default).
fn expires_header(req: &Request) -> Option<u32> {
    parse_delta(req.headers.get("Expires")?.trim())
}

/// delta-seconds; values beyond 32 bits saturate (RFC 3261 §20.19).
fn parse_delta(v: &str) -> Option<u32> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse::<u32>().unwrap_or(u32::MAX))
}

/// The User-Agent, truncated to keep bindings small.
fn user_agent(req: &Request) -> Option<String> {
    let ua = req.headers.get("User-Agent")?;
    let mut end = ua.len().min(MAX_USER_AGENT);
    while !ua.is_char_boundary(end) {
        end -= 1;
    }
    Some(ua[..end].to_string())
}

/// Does the request list `option` in a Supported header?
fn supports(req: &Request, option: &str) -> bool {
    req.headers
        .get_all("Supported")
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(option))
}

/// Longest contact URI kept (bounds memory per binding).
const MAX_CONTACT: usize = 512;
/// Longest Call-ID accepted.
const MAX_CALL_ID: usize = 256;
/// Longest `+sip.instance` kept.
const MAX_INSTANCE: usize = 256;
/// User-Agent bytes kept.
const MAX_USER_AGENT: usize = 128;
