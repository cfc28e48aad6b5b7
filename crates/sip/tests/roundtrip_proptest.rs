//! Property: any well-formed message the model can express serializes to bytes that
//! parse back to the same model, and serializing again gives the same bytes. The
//! typed values (URI, name-addr, Via, Contact, CSeq) round-trip through
//! `Display`/`FromStr` the same way.

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use rotary_sip::parse::parse_message;
use rotary_sip::{
    CSeq, Contact, Header, Headers, Host, Message, Method, NameAddr, Param, Request, Response,
    Scheme, Transport, Uri, Via,
};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,10}"
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Ack),
        Just(Method::Bye),
        Just(Method::Cancel),
        Just(Method::Register),
        Just(Method::Options),
        Just(Method::Info),
        Just(Method::Update),
        Just(Method::Prack),
        Just(Method::Subscribe),
        Just(Method::Notify),
        Just(Method::Refer),
        Just(Method::Message),
        Just(Method::Publish),
        token().prop_map(|t| Method::from_token(&t)),
    ]
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9-]{0,8}){0,2}".prop_map(Host::Domain),
        any::<[u8; 4]>().prop_map(|a| Host::V4(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| Host::V6(Ipv6Addr::from(a))),
    ]
}

/// Text that needs escaping in some URI parts, including non-ASCII.
fn uri_text(min: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[a-zA-Z0-9+.@: é%;&=?/,$\\[\\]<>#-]{{{min},10}}")).unwrap()
}

fn uri_param() -> impl Strategy<Value = Param> {
    (uri_text(1), prop::option::of(uri_text(1))).prop_map(|(name, value)| Param { name, value })
}

fn sip_uri() -> impl Strategy<Value = Uri> {
    (
        prop_oneof![3 => Just(Scheme::Sip), 1 => Just(Scheme::Sips)],
        prop::option::of((uri_text(1), prop::option::of(uri_text(0)))),
        host(),
        prop::option::of(any::<u16>()),
        prop::collection::vec(uri_param(), 0..3),
        prop::collection::vec((uri_text(1), uri_text(0)), 0..2),
    )
        .prop_map(|(scheme, userinfo, host, port, params, headers)| {
            let (user, password) = match userinfo {
                Some((u, p)) => (Some(u), p),
                None => (None, None),
            };
            Uri {
                scheme,
                user,
                password,
                host,
                port,
                params,
                headers,
                opaque: None,
            }
        })
}

fn opaque_uri() -> impl Strategy<Value = Uri> {
    let tel = "\\+?[0-9-]{1,12}(;phone-context=[a-z.]{1,8})?".prop_map(|o| (Scheme::Tel, o));
    let other = ("[a-z][a-z0-9+.-]{0,6}", "[a-zA-Z0-9:/._~-]{1,12}")
        .prop_filter("not a known scheme", |(s, _)| {
            !matches!(s.as_str(), "sip" | "sips" | "tel")
        })
        .prop_map(|(s, o)| (Scheme::Other(s), o));
    prop_oneof![tel, other].prop_map(|(scheme, opaque)| Uri {
        scheme,
        user: None,
        password: None,
        host: Host::Domain(String::new()),
        port: None,
        params: Vec::new(),
        headers: Vec::new(),
        opaque: Some(opaque),
    })
}

fn uri() -> impl Strategy<Value = Uri> {
    prop_oneof![4 => sip_uri(), 1 => opaque_uri()]
}

fn header_param() -> impl Strategy<Value = Param> {
    let value = prop_oneof![token(), "\"[a-zA-Z0-9 ,;:<>=@/]{0,10}\"", "[0-9a-f:]{2,12}"];
    (token(), prop::option::of(value)).prop_map(|(name, value)| Param { name, value })
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (
        prop::option::of("[^\r\n]{0,12}"),
        uri(),
        prop::collection::vec(header_param(), 0..3),
    )
        .prop_map(|(display, uri, params)| NameAddr {
            display,
            uri,
            params,
        })
}

fn via() -> impl Strategy<Value = Via> {
    let transport = prop_oneof![
        Just(Transport::Udp),
        Just(Transport::Tcp),
        Just(Transport::Tls),
        Just(Transport::Sctp),
        Just(Transport::Ws),
        Just(Transport::Wss),
        "X[A-Z0-9-]{0,5}".prop_map(Transport::Other),
    ];
    (
        transport,
        host(),
        prop::option::of(any::<u16>()),
        prop::collection::vec(header_param(), 0..3),
    )
        .prop_map(|(transport, host, port, params)| Via {
            transport,
            host,
            port,
            params,
        })
}

fn contact() -> impl Strategy<Value = Contact> {
    prop_oneof![1 => Just(Contact::Star), 6 => name_addr().prop_map(Contact::Addr)]
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Header fields every message needs, plus optional and unknown ones, shuffled.
fn headers(method: Method, request: bool) -> impl Strategy<Value = Vec<Header>> {
    let extra_name = prop::sample::select(vec![
        "Subject",
        "User-Agent",
        "Server",
        "Allow",
        "Supported",
        "Accept",
        "Date",
        "Organization",
        "X-Custom",
        "P-Whatever",
        "Warning",
    ]);
    let extra_value = "[ -~é]{0,24}".prop_map(|v| v.trim().to_string());
    (
        prop::collection::vec(via(), 1..4),
        any::<bool>(),
        name_addr(),
        name_addr(),
        "[a-zA-Z0-9.-]{1,16}(@[a-z0-9.]{1,10})?",
        0u32..=0x7fff_ffff,
        prop::option::of(0u8..=255),
        prop::option::of(prop::collection::vec(contact(), 1..3)),
        prop::option::of(any::<u32>()),
        prop::collection::vec((extra_name, extra_value), 0..5),
    )
        .prop_map(
            move |(vias, one_field, from, to, call_id, seq, mf, contacts, expires, extras)| {
                let mut h = Vec::new();
                let mut push = |n: &str, v: String| {
                    h.push(Header {
                        name: n.into(),
                        value: v,
                    })
                };
                if one_field {
                    push("Via", join(&vias));
                } else {
                    for v in &vias {
                        push("Via", v.to_string());
                    }
                }
                push("From", from.to_string());
                push("To", to.to_string());
                push("Call-ID", call_id);
                push(
                    "CSeq",
                    CSeq {
                        seq,
                        method: method.clone(),
                    }
                    .to_string(),
                );
                if let (Some(mf), true) = (mf, request) {
                    push("Max-Forwards", mf.to_string());
                }
                if let Some(mut c) = contacts {
                    if c.contains(&Contact::Star) {
                        c = vec![Contact::Star];
                    }
                    push("Contact", join(&c));
                }
                if let Some(e) = expires {
                    push("Expires", e.to_string());
                }
                for (n, v) in extras {
                    push(n, v);
                }
                h
            },
        )
        .prop_shuffle()
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..80)
}

fn request() -> impl Strategy<Value = Message> {
    (method(), uri())
        .prop_flat_map(|(m, uri)| (Just(m.clone()), Just(uri), headers(m, true), body()))
        .prop_map(|(method, uri, fields, body)| {
            Message::Request(Request {
                method,
                uri,
                headers: Headers { fields },
                body,
            })
        })
}

fn response() -> impl Strategy<Value = Message> {
    (100u16..=699, "[A-Za-z][A-Za-z é]{0,20}", method())
        .prop_flat_map(|(s, r, m)| (Just(s), Just(r), headers(m, false), body()))
        .prop_map(|(status, reason, fields, body)| {
            let reason = reason.trim().to_string();
            Message::Response(Response {
                status,
                reason,
                headers: Headers { fields },
                body,
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn messages_round_trip(m in prop_oneof![request(), response()]) {
        let bytes = m.to_bytes();
        let parsed = parse_message(&bytes)
            .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
        prop_assert_eq!(&common::without_content_length(&parsed), &m);
        prop_assert_eq!(parsed.to_bytes(), bytes);
        prop_assert_eq!(parsed.body(), m.body());
    }

    #[test]
    fn uris_round_trip(u in uri()) {
        prop_assert_eq!(u.to_string().parse::<Uri>().unwrap(), u);
    }

    #[test]
    fn name_addrs_round_trip(n in name_addr()) {
        let text = n.to_string();
        prop_assert_eq!(text.parse::<NameAddr>().unwrap(), n);
    }

    #[test]
    fn vias_round_trip(v in via()) {
        prop_assert_eq!(v.to_string().parse::<Via>().unwrap(), v);
    }

    #[test]
    fn contacts_round_trip(c in contact()) {
        prop_assert_eq!(c.to_string().parse::<Contact>().unwrap(), c);
    }

    #[test]
    fn cseqs_round_trip(seq in 0u32..=0x7fff_ffff, m in method()) {
        let c = CSeq { seq, method: m };
        prop_assert_eq!(c.to_string().parse::<CSeq>().unwrap(), c);
    }

    #[test]
    fn typed_views_of_generated_messages(m in request()) {
        let h = m.headers();
        prop_assert!(!h.vias().unwrap().is_empty());
        prop_assert_eq!(h.top_via().unwrap(), h.vias().unwrap()[0].clone());
        h.from().unwrap();
        h.to().unwrap();
        h.contacts().unwrap();
    }
}
