//! Typed accessors: the views of the raw headers that the transaction layer,
//! registrar and engine use. They parse on demand; for a message that came out
//! of `parse_message` the mandatory ones cannot fail.

use crate::message::{
    find_param, CSeq, Contact, Headers, Message, NameAddr, Param, Request, Response, Uri, Via,
};
use crate::parse::error::ParseError;
use crate::parse::header::{contact_view, name_addr_view, split_header_values, via_view};
use crate::parse::scan::parse_u64;

impl Headers {
    /// Every Via value, top first (all Via fields, lists split).
    pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
        let mut out = Vec::new();
        for field in self.get_all("Via") {
            for item in split_header_values(field) {
                out.push(
                    via_view(item, true)
                        .map_err(|_| ParseError::syntax("Via"))?
                        .to_via(),
                );
            }
        }
        Ok(out)
    }

    /// The topmost Via value (the one a response is routed by).
    pub fn top_via(&self) -> Result<Via, ParseError> {
        let field = self.get("Via").ok_or_else(|| ParseError::missing("Via"))?;
        let item = split_header_values(field)
            .next()
            .ok_or_else(|| ParseError::syntax("Via"))?;
        Ok(via_view(item, true)
            .map_err(|_| ParseError::syntax("Via"))?
            .to_via())
    }

    /// The From address with its parameters (`tag`).
    pub fn from(&self) -> Result<NameAddr, ParseError> {
        self.name_addr("From")
    }

    /// The To address with its parameters (`tag`).
    pub fn to(&self) -> Result<NameAddr, ParseError> {
        self.name_addr("To")
    }

    /// The Call-ID value.
    pub fn call_id(&self) -> Option<&str> {
        self.get("Call-ID")
    }

    /// The CSeq number and method.
    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        self.get("CSeq")
            .ok_or_else(|| ParseError::missing("CSeq"))?
            .parse()
    }

    /// Every Contact value in order (lists split); empty when there is none.
    pub fn contacts(&self) -> Result<Vec<Contact>, ParseError> {
        let mut out = Vec::new();
        for field in self.get_all("Contact") {
            for item in split_header_values(field) {
                out.push(match contact_view(item) {
                    Ok(None) => Contact::Star,
                    Ok(Some(v)) => Contact::Addr(v.to_name_addr()),
                    Err(_) => return Err(ParseError::syntax("Contact")),
                });
            }
        }
        Ok(out)
    }

    /// The Expires header in seconds; `None` when absent or not a 32-bit number.
    pub fn expires(&self) -> Option<u32> {
        self.number("Expires")
    }

    /// Max-Forwards; `None` when absent or not in 0–255.
    pub fn max_forwards(&self) -> Option<u8> {
        self.number("Max-Forwards")
    }

    /// Min-Expires (in a 423 answer to REGISTER); `None` when absent or invalid.
    pub fn min_expires(&self) -> Option<u32> {
        self.number("Min-Expires")
    }

    /// The Content-Type value, raw (`application/sdp`).
    pub fn content_type(&self) -> Option<&str> {
        self.get("Content-Type")
    }

    /// Route values in order (lists split).
    pub fn routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.name_addr_list("Route")
    }

    /// Record-Route values in order (lists split).
    pub fn record_routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.name_addr_list("Record-Route")
    }

    fn name_addr(&self, name: &'static str) -> Result<NameAddr, ParseError> {
        let v = self.get(name).ok_or_else(|| ParseError::missing(name))?;
        Ok(name_addr_view(v)
            .map_err(|_| ParseError::syntax(name))?
            .to_name_addr())
    }

    fn name_addr_list(&self, name: &'static str) -> Result<Vec<NameAddr>, ParseError> {
        let mut out = Vec::new();
        for field in self.get_all(name) {
            for item in split_header_values(field) {
                out.push(
                    name_addr_view(item)
                        .map_err(|_| ParseError::syntax(name))?
                        .to_name_addr(),
                );
            }
        }
        Ok(out)
    }

    fn number<T: TryFrom<u64>>(&self, name: &str) -> Option<T> {
        parse_u64(self.get(name)?.trim()).and_then(|n| T::try_from(n).ok())
    }
}

/// The same accessors on `Request` and `Response`, delegating to their headers.
macro_rules! delegate_accessors {
    ($t:ty) => {
        impl $t {
            /// Every Via value, top first.
            pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
                self.headers.vias()
            }
            /// The topmost Via value.
            pub fn top_via(&self) -> Result<Via, ParseError> {
                self.headers.top_via()
            }
            /// The From address.
            pub fn from(&self) -> Result<NameAddr, ParseError> {
                self.headers.from()
            }
            /// The To address.
            pub fn to(&self) -> Result<NameAddr, ParseError> {
                self.headers.to()
            }
            /// The Call-ID value.
            pub fn call_id(&self) -> Option<&str> {
                self.headers.call_id()
            }
            /// The CSeq number and method.
            pub fn cseq(&self) -> Result<CSeq, ParseError> {
                self.headers.cseq()
            }
            /// Every Contact value in order.
            pub fn contacts(&self) -> Result<Vec<Contact>, ParseError> {
                self.headers.contacts()
            }
            /// The Expires header in seconds.
            pub fn expires(&self) -> Option<u32> {
                self.headers.expires()
            }
            /// Max-Forwards, when present and valid.
            pub fn max_forwards(&self) -> Option<u8> {
                self.headers.max_forwards()
            }
        }
    };
}

delegate_accessors!(Request);
delegate_accessors!(Response);

impl Message {
    /// The header fields of either kind of message.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// Mutable header fields of either kind of message.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body of either kind of message.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    /// True for a request.
    pub fn is_request(&self) -> bool {
        matches!(self, Message::Request(_))
    }

    /// The Call-ID value.
    pub fn call_id(&self) -> Option<&str> {
        self.headers().call_id()
    }

    /// The CSeq number and method.
    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        self.headers().cseq()
    }

    /// The topmost Via value.
    pub fn top_via(&self) -> Result<Via, ParseError> {
        self.headers().top_via()
    }
}

impl Via {
    /// The `branch` parameter (transaction id, RFC 3261 §17.2.3).
    pub fn branch(&self) -> Option<&str> {
        find_param(&self.params, "branch").flatten()
    }

    /// The `received` parameter (the address the request really came from), raw.
    pub fn received(&self) -> Option<&str> {
        find_param(&self.params, "received").flatten()
    }

    /// The `rport` parameter (RFC 3581): `None` absent, `Some(None)` requested (flag or
    /// unparsable value), `Some(Some(port))` filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        find_param(&self.params, "rport").map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// Set (replace or append) a parameter, e.g. `received` and `rport` on the way in.
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        set_param(&mut self.params, name, value);
    }
}

impl NameAddr {
    /// A name-addr without display name or parameters.
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display: None,
            uri,
            params: Vec::new(),
        }
    }

    /// The `tag` parameter (dialog identification, RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        find_param(&self.params, "tag").flatten()
    }

    /// Set (replace or append) a header parameter, e.g. `tag`.
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        set_param(&mut self.params, name, value);
    }
}

impl Uri {
    /// A URI parameter by case-insensitive name; `Some(None)` for a flag such as `lr`.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }
}

fn set_param(params: &mut Vec<Param>, name: &str, value: Option<&str>) {
    let value = value.map(str::to_owned);
    match params
        .iter_mut()
        .find(|p| p.name.eq_ignore_ascii_case(name))
    {
        Some(p) => p.value = value,
        None => params.push(Param {
            name: name.to_owned(),
            value,
        }),
    }
}
