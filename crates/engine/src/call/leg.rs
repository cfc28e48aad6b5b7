//! One leg's SIP dialog state (RFC 3261 §12): Call-ID, tags, CSeq counters,
//! route set, remote target and the flow requests go out on, plus building
//! the requests sent inside the dialog.

use rand::RngCore;
use rotary_sip::transaction::new_branch;
use rotary_sip::{Flow, Headers, Method, Request, Uri};

/// A dialog as one side of pbxd's B2BUA sees it.
#[derive(Clone, Debug)]
pub(crate) struct Dialog {
    /// The dialog's Call-ID (the caller's on leg A, ours on leg B).
    pub(crate) call_id: String,
    /// Our tag (To-tag we gave on leg A, From-tag we chose on leg B).
    pub(crate) local_tag: String,
    /// The peer's tag; on leg B unknown until a tagged response arrives.
    pub(crate) remote_tag: Option<String>,
    /// Our From value for requests we send (carries `local_tag`).
    pub(crate) local: String,
    /// The peer's address for the To of requests we send (carries `remote_tag`).
    pub(crate) remote: String,
    /// Last CSeq number we used.
    pub(crate) local_seq: u32,
    /// Highest CSeq number the peer used.
    pub(crate) remote_seq: Option<u32>,
    /// Where in-dialog requests go (the peer's Contact).
    pub(crate) remote_target: Uri,
    /// Route values for requests we send (Record-Route, in sending order).
    pub(crate) route_set: Vec<String>,
    /// The transport flow toward the peer (the flow its REGISTER or INVITE came on).
    pub(crate) flow: Flow,
    /// Our Via sent-by and Contact host, `host:port`.
    pub(crate) sent_by: String,
    /// Our Contact header value on this leg.
    pub(crate) contact: String,
}

impl Dialog {
    /// A new request inside the dialog (not ACK): next CSeq, fresh branch.
    pub(crate) fn request(
        &mut self,
        method: Method,
        rng: &mut dyn RngCore,
        user_agent: &str,
    ) -> Request {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        let seq = self.local_seq;
        let mut req = self.build(method.clone(), seq, rng);
        if matches!(method, Method::Invite | Method::Update) {
            req.headers.push("Contact", self.contact.clone());
        }
        req.headers.push("User-Agent", user_agent.to_string());
        req
    }

    /// The ACK for a 2xx to our INVITE with CSeq `seq` (RFC 3261 §13.2.2.4): a new
    /// transaction-less request with its own branch and the INVITE's CSeq number.
    pub(crate) fn ack(&self, seq: u32, rng: &mut dyn RngCore) -> Request {
        self.build(Method::Ack, seq, rng)
    }

    /// Does an in-dialog request's From-tag belong to this dialog's peer?
    pub(crate) fn remote_tag_matches(&self, tag: Option<&str>) -> bool {
        match (&self.remote_tag, tag) {
            (Some(ours), Some(theirs)) => ours == theirs,
            (None, _) => true,
            (Some(_), None) => false,
        }
    }

    /// Accept the CSeq of a request from the peer (RFC 3261 §12.2.2): false when
    /// it is lower than one already seen (the UAS answers 500).
    pub(crate) fn accept_remote_seq(&mut self, seq: u32, method: &Method) -> bool {
        if *method == Method::Ack {
            return true;
        }
        match self.remote_seq {
            Some(prev) if seq < prev => false,
            _ => {
                self.remote_seq = Some(seq);
                true
            }
        }
    }

    fn build(&self, method: Method, seq: u32, rng: &mut dyn RngCore) -> Request {
        let mut headers = Headers::default();
        let branch = new_branch(rng);
        headers.push(
            "Via",
            format!(
                "SIP/2.0/{} {};branch={branch};rport",
                self.flow.transport.via_token(),
                self.sent_by
            ),
        );
        headers.push("Max-Forwards", "70");
        for route in &self.route_set {
            headers.push("Route", route.clone());
        }
        headers.push("From", self.local.clone());
        headers.push("To", self.remote.clone());
        headers.push("Call-ID", self.call_id.clone());
        headers.push("CSeq", format!("{seq} {}", method.as_str()));
        Request {
            method,
            uri: self.remote_target.clone(),
            headers,
            body: Vec::new(),
        }
    }
}

/// Append `;tag=` to a From/To value.
pub(crate) fn with_tag(value: &str, tag: &str) -> String {
    format!("{value};tag={tag}")
}
