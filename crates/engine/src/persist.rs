//! Registrar bindings and CDRs to SQLite, off the hot path: changes go over a channel
//! to one writer thread. Binding changes are committed in batches (one transaction per
//! ~100 ms), so a REGISTER storm costs one fsync per batch, not per REGISTER; a CDR
//! ends its batch at once, so a finished call's record is durable within milliseconds.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rotary_registrar::BindingSnapshot;
use rotary_sip::{Flow, FlowTransport};
use rotary_store::{BindingChange, CdrRecord, Store, StoredBinding};

/// How long changes may wait to be batched.
const BATCH_WINDOW: Duration = Duration::from_millis(100);

enum Msg {
    Changes(Vec<BindingChange>),
    Cdr(Box<CdrRecord>),
    Stop,
}

/// Sends binding changes to the writer thread.
pub(crate) struct StoreWriter {
    tx: mpsc::Sender<Msg>,
    /// Changes of the current engine turn, sent as one message by `send_pending` so a
    /// burst of REGISTERs wakes the writer thread once, not once per binding.
    pending: Vec<BindingChange>,
    thread: Option<JoinHandle<()>>,
}

impl StoreWriter {
    pub(crate) fn spawn(mut store: Store) -> StoreWriter {
        let (tx, rx) = mpsc::channel::<Msg>();
        let thread = std::thread::Builder::new()
            .name("binding-writer".into())
            .spawn(move || {
                let mut batch = Vec::new();
                let mut cdrs = Vec::new();
                while let Ok(first) = rx.recv() {
                    let mut stop = false;
                    match first {
                        Msg::Changes(c) => batch.extend(c),
                        Msg::Cdr(c) => cdrs.push(c),
                        Msg::Stop => stop = true,
                    }
                    let end = std::time::Instant::now() + BATCH_WINDOW;
                    while !stop && cdrs.is_empty() {
                        let left = end.saturating_duration_since(std::time::Instant::now());
                        match rx.recv_timeout(left) {
                            Ok(Msg::Changes(c)) => batch.extend(c),
                            Ok(Msg::Cdr(c)) => cdrs.push(c),
                            Ok(Msg::Stop) => stop = true,
                            Err(_) => break,
                        }
                    }
                    for cdr in cdrs.drain(..) {
                        if let Err(e) = store.insert_cdr(&cdr) {
                            tracing::error!(error = %e, call_id = %cdr.call_id, "writing CDR failed");
                        }
                    }
                    if !batch.is_empty() {
                        if let Err(e) = store.apply_binding_changes(&batch) {
                            tracing::error!(error = %e, "persisting bindings failed");
                        }
                        batch.clear();
                    }
                    if stop {
                        break;
                    }
                }
            })
            .ok();
        StoreWriter {
            tx,
            pending: Vec::new(),
            thread,
        }
    }

    /// Queue a binding's new state for this turn's batch.
    pub(crate) fn upsert(&mut self, b: &BindingSnapshot) {
        self.pending.push(BindingChange::Upsert(to_stored(b)));
    }

    /// Queue a binding's removal for this turn's batch.
    pub(crate) fn delete(&mut self, b: &BindingSnapshot) {
        self.pending.push(BindingChange::Delete {
            aor: b.aor.clone(),
            contact: b.contact.clone(),
        });
    }

    /// Hand this turn's binding changes to the writer thread in one message.
    pub(crate) fn send_pending(&mut self) {
        if !self.pending.is_empty() {
            let _ = self
                .tx
                .send(Msg::Changes(std::mem::take(&mut self.pending)));
        }
    }

    /// Queue a finished call's record; it is committed without waiting for a batch.
    pub(crate) fn cdr(&self, record: CdrRecord) {
        let _ = self.tx.send(Msg::Cdr(Box::new(record)));
    }

    /// Commit what is queued and wait for the writer to finish.
    pub(crate) fn flush_and_stop(&mut self) {
        self.send_pending();
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn to_stored(b: &BindingSnapshot) -> StoredBinding {
    StoredBinding {
        aor: b.aor.clone(),
        contact: b.contact.clone(),
        source: b.flow.remote.to_string(),
        local: b.flow.local.to_string(),
        transport: b.flow.transport.as_str().to_string(),
        conn: b.flow.conn.map(|c| c.0),
        user_agent: b.user_agent.clone().unwrap_or_default(),
        call_id: b.call_id.clone(),
        cseq: b.cseq,
        expires_at_unix: b.expires_at_unix,
        q: b.q.map(|q| f32::from(q) / 1000.0),
        instance: b.instance.clone(),
        reg_id: b.reg_id,
    }
}

/// Rebuild a registrar snapshot from a stored row; None if the row is unusable.
pub(crate) fn from_stored(s: &StoredBinding) -> Option<BindingSnapshot> {
    let remote: SocketAddr = s.source.parse().ok()?;
    let local: SocketAddr = s.local.parse().ok()?;
    let transport = FlowTransport::parse(&s.transport)?;
    Some(BindingSnapshot {
        aor: s.aor.clone(),
        contact: s.contact.clone(),
        flow: Flow {
            transport,
            local,
            remote,
            conn: s.conn.map(rotary_sip::ConnId),
        },
        user_agent: Some(s.user_agent.clone()).filter(|u| !u.is_empty()),
        call_id: s.call_id.clone(),
        cseq: s.cseq,
        expires_at_unix: s.expires_at_unix,
        q: s.q.map(|q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16),
        instance: s.instance.clone(),
        reg_id: s.reg_id,
    })
}

/// The store's row for a call's record.
pub(crate) fn cdr_row(c: &crate::call::CdrRecord) -> CdrRecord {
    use crate::call::Disposition as D;
    CdrRecord {
        id: None,
        start_unix_ms: c.start_unix_ms,
        answer_unix_ms: c.answer_unix_ms,
        end_unix_ms: c.end_unix_ms,
        caller: c.caller.clone(),
        callee: c.callee.clone(),
        duration: u32::try_from(c.duration.as_secs()).unwrap_or(u32::MAX),
        billsec: u32::try_from(c.billsec.as_secs()).unwrap_or(u32::MAX),
        disposition: match c.disposition {
            D::Answered => rotary_store::Disposition::Answered,
            D::NoAnswer => rotary_store::Disposition::NoAnswer,
            D::Busy => rotary_store::Disposition::Busy,
            D::Failed => rotary_store::Disposition::Failed,
        },
        cause: Some(c.cause.as_str().to_string()),
        trunk: c.trunk.clone(),
        call_id: c.call_id.clone(),
        peer_call_id: c.b_call_id.clone(),
        recording: c.recording.clone(),
        call_type: c.call_type.as_str().to_string(),
        did: c.did.clone(),
        route: c.route.clone(),
        pin: c.pin.clone(),
    }
}
